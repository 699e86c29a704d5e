/** The scheduler: fire times, ticks, retention, and replicas that never fire twice. */
import './scheduling/scheduler.js';
import './scheduling/scheduler-replicas.js';
