import { randomUUID } from 'node:crypto';
import { FireSchedule } from '#libs/scheduling';
import { defaultSyncPlan, SYNC_KIND_NAMES } from './sync-plan.js';

const HOUR = 3_600_000;
const day = Date.UTC(2027, 0, 5);

/** The fires of one day (after `day`, up to a day later) of a plan entry. */
function firesOfDay(cron: string, timezone: string): number[] {
  return FireSchedule.parse(cron, timezone)
    .between(new Date(day + 1), new Date(day + 24 * HOUR))
    .map((fire) => fire.getTime());
}

describe('the default sync plan', () => {
  it('syncs groups every 6 hours, role definitions and the inventory once a day, 12 hours apart', () => {
    for (let i = 0; i < 200; i++) {
      const plan = defaultSyncPlan(randomUUID());
      for (const kind of SYNC_KIND_NAMES) {
        expect(plan[kind]).toMatchObject({ enabled: true, timezone: 'UTC' });
      }
      const groups = firesOfDay(plan.directoryGroups.cron, 'UTC');
      expect(groups).toHaveLength(4);
      for (let j = 1; j < groups.length; j++) expect(groups[j]! - groups[j - 1]!).toBe(6 * HOUR);
      const [inventory] = firesOfDay(plan.inventory.cron, 'UTC');
      const [roles] = firesOfDay(plan.roleDefinitions.cron, 'UTC');
      expect(firesOfDay(plan.inventory.cron, 'UTC')).toHaveLength(1);
      expect(firesOfDay(plan.roleDefinitions.cron, 'UTC')).toHaveLength(1);
      const hourOf = (at: number) => new Date(at).getUTCHours();
      expect((hourOf(roles!) - hourOf(inventory!) + 24) % 24).toBe(12);
    }
  });

  it('is the same for a tenant every time, and spread across tenants', () => {
    const id = randomUUID();
    expect(defaultSyncPlan(id)).toEqual(defaultSyncPlan(id));
    const tenants = Array.from({ length: 1000 }, () => defaultSyncPlan(randomUUID()));
    const slots = (kind: 'inventory' | 'directoryGroups') =>
      new Set(tenants.map((plan) => plan[kind].cron)).size;
    // 1,000 tenants over 1,440 minutes of the day (360 of a 6-hour cycle): nowhere near one slot.
    expect(slots('inventory')).toBeGreaterThan(400);
    expect(slots('directoryGroups')).toBeGreaterThan(250);
    const midnight = tenants.filter((plan) => plan.inventory.cron === '0 0 * * *').length;
    expect(midnight).toBeLessThan(10);
  });
});
