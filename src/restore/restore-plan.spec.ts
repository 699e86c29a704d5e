import { policyHash } from '#libs/policies';
import {
  AssignmentTargetType,
  crossTenantRefusal,
  expectedHash,
  mapGroup,
  matchTarget,
  planAction,
  planAssignments,
  type GroupDirectory,
  type RestoreChoices,
  type SourcePolicy,
  type TargetPolicy,
} from './restore-plan.js';

const SALES = '11111111-1111-4111-8111-111111111111';
const FINANCE = '22222222-2222-4222-8222-222222222222';
const GHOST = '33333333-3333-4333-8333-333333333333';
const TARGET_SALES = 'aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa';
const TARGET_FINANCE = 'bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb';
const TARGET_OTHER = 'cccccccc-cccc-4ccc-8ccc-cccccccccccc';

const group = (type: string, groupId?: string, extra: Record<string, unknown> = {}) => ({
  id: `a-${groupId ?? type}`,
  target: { '@odata.type': type, ...(groupId ? { groupId } : {}), ...extra },
});

function policy(assignments: SourcePolicy['assignments'] = []): SourcePolicy {
  const content = { properties: { displayName: 'Kiosk lockdown', description: 'x' } };
  return {
    policyType: 'device_configuration',
    policyId: 'p1',
    displayName: 'Kiosk lockdown',
    content,
    assignments,
    contentHash: policyHash('device_configuration', content, assignments),
  };
}

const choices = (overrides: Partial<RestoreChoices> = {}): RestoreChoices => ({
  conflictPolicy: 'update',
  includeAssignments: true,
  skipUnmappedAssignments: false,
  groupMapping: {},
  ...overrides,
});

/** Another tenant: Sales and Finance exist there by name, Finance twice. */
const crossTenant: GroupDirectory = {
  sameTenant: false,
  sourceNames: new Map([
    [SALES, 'Sales'],
    [FINANCE, 'Finance'],
  ]),
  targetById: new Map([[TARGET_OTHER, 'Other']]),
  targetByName: new Map([
    ['sales', [{ id: TARGET_SALES, displayName: 'SALES' }]],
    [
      'finance',
      [
        { id: TARGET_FINANCE, displayName: 'Finance' },
        { id: TARGET_OTHER, displayName: 'Finance' },
      ],
    ],
  ]),
};

describe('group mapping', () => {
  it('takes the explicit mapping first, then the group of the same name (case-insensitive)', () => {
    expect(mapGroup(SALES, {}, crossTenant)).toEqual({
      id: TARGET_SALES,
      name: 'SALES',
      by: 'display_name',
    });
    expect(mapGroup(SALES, { [SALES]: TARGET_OTHER }, crossTenant)).toEqual({
      id: TARGET_OTHER,
      name: 'Other',
      by: 'explicit',
    });
  });

  it('finds nothing for a name the target has twice, or a group the source cache does not know', () => {
    expect(mapGroup(FINANCE, {}, crossTenant)).toMatchObject({ id: null, reason: 'ambiguous' });
    expect(mapGroup(GHOST, {}, crossTenant)).toMatchObject({ id: null, reason: 'unknown' });
  });

  it('keeps a group in its own tenant while the cache has it', () => {
    const same: GroupDirectory = {
      sameTenant: true,
      sourceNames: new Map([[SALES, 'Sales']]),
      targetById: new Map([[SALES, 'Sales']]),
      targetByName: new Map(),
    };
    expect(mapGroup(SALES, {}, same)).toEqual({ id: SALES, name: 'Sales', by: 'same_group' });
    expect(mapGroup(GHOST, {}, same)).toMatchObject({ id: null, reason: 'unknown' });
  });
});

describe('assignments', () => {
  const assigned = policy([
    group(AssignmentTargetType.Group, SALES),
    group(AssignmentTargetType.Exclusion, FINANCE),
    group(AssignmentTargetType.AllUsers),
    group(AssignmentTargetType.AllDevices, undefined, {
      deviceAndAppManagementAssignmentFilterId: '44444444-4444-4444-8444-444444444444',
      deviceAndAppManagementAssignmentFilterType: 'include',
    }),
  ]);

  it('maps groups and exclusions, carries All users, and names each group it cannot map', () => {
    const { assignments, unmapped } = planAssignments(
      assigned,
      choices({ groupMapping: { [FINANCE]: TARGET_OTHER } }),
      crossTenant,
    );
    expect(assignments.map((a) => a.body)).toEqual([
      { target: { '@odata.type': AssignmentTargetType.Group, groupId: TARGET_SALES } },
      { target: { '@odata.type': AssignmentTargetType.Exclusion, groupId: TARGET_OTHER } },
      { target: { '@odata.type': AssignmentTargetType.AllUsers } },
      null,
    ]);
    expect(assignments[1]).toMatchObject({ sourceGroupName: 'Finance', mappedBy: 'explicit' });
    // The filter is the source tenant's: the assignment is not written broader than it was.
    expect(unmapped.map((issue) => issue.code)).toEqual(['restore.filter_unmapped']);

    const unmappedFinance = planAssignments(assigned, choices(), crossTenant).unmapped;
    expect(unmappedFinance).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ code: 'restore.group_unmapped', groupId: FINANCE }),
      ]),
    );
  });
});

describe('the planned action', () => {
  const target: TargetPolicy = {
    policyType: 'device_configuration',
    graphId: 'g1',
    displayName: 'Kiosk Lockdown',
  };

  it('matches by Graph id in the same tenant, by type, name and @odata.type in another', () => {
    const byId = new Map([['device_configuration/p1', target]]);
    const byName = new Map([['device_configuration/kiosk lockdown', [target, target]]]);
    expect(matchTarget(policy(), true, byId, new Map())).toEqual({ match: target, others: 0 });
    expect(matchTarget(policy(), true, new Map(), byName)).toEqual({ match: null, others: 0 });
    expect(matchTarget(policy(), false, byId, byName)).toEqual({ match: target, others: 1 });

    const windows = '#microsoft.graph.windows10GeneralConfiguration';
    const typed = policy();
    typed.content = { properties: { ...typed.content.properties, '@odata.type': windows } };
    const ios = {
      ...target,
      graphId: 'g2',
      odataType: '#microsoft.graph.iosGeneralDeviceConfiguration',
    };
    const same = { ...target, graphId: 'g3', odataType: windows };
    const kinds = new Map([['device_configuration/kiosk lockdown', [ios, same]]]);
    expect(matchTarget(typed, false, byId, kinds)).toEqual({ match: same, others: 0 });
    expect(
      matchTarget(typed, false, byId, new Map([['device_configuration/kiosk lockdown', [ios]]])),
    ).toEqual({ match: null, others: 0 });
  });

  it('creates what is missing, leaves what is identical, and otherwise follows the conflict policy', () => {
    expect(planAction('update', null, false)).toBe('create');
    expect(planAction('skip', target, true)).toBe('unchanged');
    expect(planAction('skip', target, false)).toBe('skip');
    expect(planAction('update', target, false)).toBe('update');
    expect(planAction('create_copy', target, false)).toBe('create');
  });

  it('compares the target with the backup as it would be written: mapped, or without assignments', () => {
    const same = policy([group(AssignmentTargetType.Group, SALES)]);
    const identity: GroupDirectory = {
      sameTenant: true,
      sourceNames: new Map(),
      targetById: new Map([[SALES, 'Sales']]),
      targetByName: new Map(),
    };
    const { assignments } = planAssignments(same, choices(), identity);
    expect(expectedHash(same, assignments, true, [])).toBe(same.contentHash);

    const mapped = planAssignments(same, choices(), crossTenant).assignments;
    expect(expectedHash(same, mapped, true, [])).toBe(
      policyHash(same.policyType, same.content, [
        { ...same.assignments[0], target: mapped[0]!.body!.target },
      ]),
    );
    const theirs = [{ target: { '@odata.type': AssignmentTargetType.AllUsers } }];
    expect(expectedHash(same, mapped, false, theirs)).toBe(
      policyHash(same.policyType, same.content, theirs),
    );
  });
});

describe('what another tenant cannot take', () => {
  it('refuses an administrative template with custom ADMX settings, naming them', () => {
    const template = (policyType: string): SourcePolicy => ({
      ...policy(),
      policyType: 'administrative_template',
      content: {
        properties: { displayName: 'Browser' },
        definitionValues: [
          {
            id: 'v1',
            definition: { id: 'd1', displayName: 'Home page', policyType: 'admxBacked' },
          },
          { id: 'v2', definition: { id: 'd2', displayName: 'LOB proxy', policyType } },
        ],
      },
    });
    expect(crossTenantRefusal(template('admxBacked'))).toBeNull();
    expect(crossTenantRefusal(template('admxIngested'))).toMatchObject({
      code: 'restore.admx_definition_not_in_target',
      message: expect.stringContaining('LOB proxy'),
    });
    expect(crossTenantRefusal(policy())).toBeNull();
  });
});
