/** The Graph client and the simulated Graph: reads, writes, refusals, runs that call Graph, a policy's round trip. */
import './graph/graph-client.js';
import './graph/graph-runs.js';
import './graph/graph-sim.js';
import './graph/graph-sim-writes.js';
import './graph/policy-round-trip.js';
