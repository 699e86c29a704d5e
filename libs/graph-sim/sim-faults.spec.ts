import { SimFaults } from './sim-faults.js';

describe('SimFaults', () => {
  it('uses up scheduled faults in order, only on matching paths', () => {
    const faults = new SimFaults('tenant');
    faults.add({ status: 429, count: 2, retryAfter: '1.5', match: '/groups' });
    faults.add({ status: 503, count: 1 });
    expect(faults.draw('/v1.0/deviceManagement/roleDefinitions')).toEqual({
      status: 503,
      code: 'ServiceUnavailable',
      retryAfter: undefined,
    });
    expect(faults.draw('/v1.0/groups')).toMatchObject({ status: 429, retryAfter: '1.5' });
    expect(faults.draw('/v1.0/groups?$top=5')).toMatchObject({
      status: 429,
      code: 'TooManyRequests',
    });
    expect(faults.draw('/v1.0/groups')).toBeNull();
  });

  it('draws random faults at the configured rates, the same for the same tenant', () => {
    const run = () => {
      const faults = new SimFaults('tenant-x');
      faults.rates = { throttleProbability: 0.2, unavailableProbability: 0.1, retryAfter: '0.5' };
      return Array.from({ length: 2000 }, () => faults.draw('/v1.0/groups')?.status ?? 200);
    };
    const statuses = run();
    expect(run()).toEqual(statuses);
    const share = (status: number) => statuses.filter((s) => s === status).length / statuses.length;
    expect(share(429)).toBeGreaterThan(0.15);
    expect(share(429)).toBeLessThan(0.25);
    expect(share(503)).toBeGreaterThan(0.06);
    expect(share(503)).toBeLessThan(0.14);
  });
});
