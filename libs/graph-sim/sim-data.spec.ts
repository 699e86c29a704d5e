import {
  POLICY_COLLECTION_BASE_TYPES,
  propertiesOf,
  writablePropertiesOf,
  type PolicyCollection,
} from '#libs/graph';
import {
  DEFAULT_ENROLLMENT_NAME,
  generateItems,
  generateRelated,
  GENERATED_TYPES,
  POLICY_RESOURCES,
  type SimItem,
} from './sim-data.js';
import {
  BUILT_IN_DEFINITIONS,
  DefinitionCatalogue,
  valueTypeFor,
  type StoredDefinitionValue,
} from './sim-definitions.js';
import { MASKED_VALUE, maskOmaSettings, plainValueOf } from './sim-oma.js';
import {
  assignmentTypeOf,
  validateAssignments,
  validateDefinitionValue,
  validatePolicyWrite,
  withoutReadOnly,
} from './sim-validate.js';

const g = (name: string) => `#microsoft.graph.${name}`;
const SEEDS = Array.from({ length: 16 }, (_, i) => `tenant-${i}-${(i * 7919).toString(16)}`);
const SIZE = 20;
const GRAPH = 'https://graph.microsoft.com/beta/deviceManagement/groupPolicyDefinitions';

/**
 * A generated policy as a restore writes it back: read-only and server-set values removed at
 * every depth, compliance rules and settings-catalog settings inline.
 */
function asWriteBody(
  tenantId: string,
  collection: PolicyCollection,
  item: SimItem,
  catalogue: DefinitionCatalogue,
) {
  const base = POLICY_COLLECTION_BASE_TYPES[collection];
  const body = withoutReadOnly(base, item) as Record<string, unknown>;
  const related = (name: string, type: string) =>
    withoutReadOnly(type, generateRelated(tenantId, collection, item.id, name, catalogue));
  if (collection === 'deviceCompliancePolicies') {
    body.scheduledActionsForRule = related(
      'scheduledActionsForRule',
      g('deviceComplianceScheduledActionForRule'),
    );
  }
  if (collection === 'configurationPolicies') {
    body.settings = related('settings', g('deviceManagementConfigurationSetting'));
  }
  return body;
}

describe('generated tenants', () => {
  it('pass the create validator once read-only and server-set values are removed, every item of every type', () => {
    let checked = 0;
    for (const tenantId of SEEDS) {
      const catalogue = new DefinitionCatalogue(tenantId);
      for (const collection of POLICY_RESOURCES) {
        for (const item of generateItems(tenantId, collection, SIZE)) {
          const body = asWriteBody(tenantId, collection, item, catalogue);
          // The defaults are updated, never created (a create of priority 0 is refused).
          const mode = item.priority === 0 ? 'update' : 'create';
          const refusal = validatePolicyWrite(collection, body, mode, item);
          expect({ collection, type: item['@odata.type'], refusal }).toEqual({
            collection,
            type: item['@odata.type'],
            refusal: null,
          });
          if (collection === 'configurationPolicies') {
            expect(validatePolicyWrite(collection, body, 'replace', item)).toBeNull();
          }
          checked++;
        }
      }
    }
    expect(checked).toBe(SEEDS.length * POLICY_RESOURCES.length * SIZE);
  });

  it('hold assignments that `assign` takes back once their read-only values are removed', () => {
    for (const tenantId of SEEDS.slice(0, 8)) {
      const catalogue = new DefinitionCatalogue(tenantId);
      for (const collection of POLICY_RESOURCES) {
        for (const item of generateItems(tenantId, collection, 10)) {
          const assignments = generateRelated(
            tenantId,
            collection,
            item.id,
            'assignments',
            catalogue,
          );
          const body = { assignments: withoutReadOnly(assignmentTypeOf(collection), assignments) };
          expect(validateAssignments(collection, body, 'assignments')).toBeNull();
        }
      }
    }
  });

  it('hold definition values that a create of the same definition and presentations takes', () => {
    for (const tenantId of SEEDS) {
      const catalogue = new DefinitionCatalogue(tenantId);
      for (const item of generateItems(tenantId, 'groupPolicyConfigurations', 10)) {
        const values = generateRelated(
          tenantId,
          'groupPolicyConfigurations',
          item.id,
          'definitionValues',
          catalogue,
        ) as unknown as StoredDefinitionValue[];
        for (const value of values) {
          const definition = catalogue.get(value.definitionId)!;
          expect(definition).toBeDefined();
          const body = {
            enabled: value.enabled,
            configurationType: value.configurationType,
            'definition@odata.bind': `${GRAPH}('${definition.id}')`,
            presentationValues: value.presentationValues.map(
              ({
                id: _id,
                createdDateTime: _c,
                lastModifiedDateTime: _m,
                presentationId,
                ...rest
              }) => {
                const presentation = definition.presentations.find((p) => p.id === presentationId)!;
                expect(rest['@odata.type']).toBe(valueTypeFor(presentation));
                return {
                  ...rest,
                  'presentation@odata.bind': `${GRAPH}('${definition.id}')/presentations('${presentationId}')`,
                };
              },
            ),
          };
          expect(validateDefinitionValue(body)).toEqual({
            definitionId: definition.id,
            presentations: value.presentationValues.map((v) => ({
              definitionId: definition.id,
              presentationId: v.presentationId,
            })),
          });
        }
      }
    }
  });

  it('spread each policy collection over several types, with type-specific content', () => {
    for (const collection of POLICY_RESOURCES) {
      const items = generateItems('spread', collection, 40);
      const types = new Set(
        items.map((i) => i['@odata.type'] ?? POLICY_COLLECTION_BASE_TYPES[collection]),
      );
      expect([...types].sort()).toEqual([...GENERATED_TYPES[collection]].sort());
      for (const item of items) {
        const type = (item['@odata.type'] as string) ?? POLICY_COLLECTION_BASE_TYPES[collection];
        const own = writablePropertiesOf(type).filter(
          (p) => p.declaredBy === type && !['displayName', 'description', 'name'].includes(p.name),
        );
        if (own.length >= 6) {
          expect(own.filter((p) => p.name in item).length).toBeGreaterThan(0);
        }
        const named = (item.displayName ?? item.name) as string;
        expect(named).toMatch(/^(.+ \d+|All users and all devices)$/);
      }
    }
    expect(GENERATED_TYPES.deviceConfigurations.length).toBeGreaterThanOrEqual(6);
    const general = generateItems('spread', 'deviceConfigurations', 40).filter(
      (i) => i['@odata.type'] === g('windows10GeneralConfiguration'),
    );
    // 30–50% of several hundred writable properties, with nested complex values among them.
    const counts = general.map((i) => Object.keys(i).length);
    expect(Math.min(...counts)).toBeGreaterThan(60);
    expect(
      generateItems('spread', 'deviceConfigurations', 40).some((i) =>
        Object.values(i).some((v) => typeof v === 'object' && v !== null && !Array.isArray(v)),
      ),
    ).toBe(true);
  });

  it('are the same for the same tenant and size, and names keep their formats', () => {
    for (const collection of POLICY_RESOURCES) {
      expect(generateItems('same', collection, 12)).toEqual(generateItems('same', collection, 12));
    }
    expect(generateItems('other', 'deviceConfigurations', 3)[0].id).not.toBe(
      generateItems('same', 'deviceConfigurations', 3)[0].id,
    );
    expect(generateItems('same', 'deviceConfigurations', 3)[2].displayName).toBe(
      'Device configuration 3',
    );
    expect(generateItems('same', 'configurationPolicies', 3)[2]).toMatchObject({
      name: 'Settings catalog 3',
      technologies: 'mdm',
    });
  });

  it('hold the default enrollment configurations at priority 0, the others at 1 or more', () => {
    const items = generateItems('enroll', 'deviceEnrollmentConfigurations', 8);
    expect(items.slice(0, 3)).toEqual([
      expect.objectContaining({
        '@odata.type': g('deviceEnrollmentLimitConfiguration'),
        displayName: DEFAULT_ENROLLMENT_NAME,
        priority: 0,
      }),
      expect.objectContaining({
        '@odata.type': g('deviceEnrollmentPlatformRestrictionsConfiguration'),
        displayName: DEFAULT_ENROLLMENT_NAME,
        priority: 0,
      }),
      expect.objectContaining({
        '@odata.type': g('deviceEnrollmentWindowsHelloForBusinessConfiguration'),
        displayName: DEFAULT_ENROLLMENT_NAME,
        priority: 0,
      }),
    ]);
    expect(items.slice(3).every((i) => (i.priority as number) >= 1)).toBe(true);
  });

  it('compute server-set values: version, scope tags, settings count and assignment', () => {
    const catalogue = new DefinitionCatalogue('server-set');
    for (const item of generateItems('server-set', 'configurationPolicies', 20)) {
      const settings = generateRelated(
        'server-set',
        'configurationPolicies',
        item.id,
        'settings',
        catalogue,
      );
      const assignments = generateRelated(
        'server-set',
        'configurationPolicies',
        item.id,
        'assignments',
        catalogue,
      );
      expect(item.settingCount).toBe(settings.length);
      expect(item.isAssigned).toBe(assignments.length > 0);
    }
    for (const item of generateItems('server-set', 'deviceConfigurations', 10)) {
      expect(item).toMatchObject({ supportsScopeTags: true, version: expect.any(Number) });
    }
    for (const resource of ['iosManagedAppProtections', 'androidManagedAppProtections'] as const) {
      for (const item of generateItems('server-set', resource, 20)) {
        expect(item.version).toEqual(expect.stringMatching(/^\d+$/));
        // Intune's account of the assignments, never a drawn value a restore could not write.
        const assignments = generateRelated(
          'server-set',
          resource,
          item.id,
          'assignments',
          catalogue,
        );
        expect(item.isAssigned).toBe(assignments.length > 0);
      }
    }
    expect(propertiesOf(g('groupPolicyConfiguration')).has('version')).toBe(false);
    expect(generateItems('server-set', 'groupPolicyConfigurations', 3)[0]).not.toHaveProperty(
      'version',
    );
  });

  it('encrypt every OMA-URI string value, keeping the plain value for the plain-text function', () => {
    const customs = generateItems('oma', 'deviceConfigurations', 40).filter((i) =>
      Array.isArray(i.omaSettings),
    );
    expect(customs.map((i) => i['@odata.type'])).toEqual(
      expect.arrayContaining([
        g('windows10CustomConfiguration'),
        g('androidWorkProfileCustomConfiguration'),
      ]),
    );
    for (const item of customs) {
      const settings = item.omaSettings as Record<string, unknown>[];
      const strings = settings.filter((s) => s['@odata.type'] === g('omaSettingString'));
      expect(strings.length).toBeGreaterThan(0);
      for (const setting of strings) {
        expect(setting).toMatchObject({
          isEncrypted: true,
          secretReferenceValueId: expect.stringMatching(/^[0-9a-f-]{36}$/),
          value: expect.not.stringMatching(/^\*+$/),
        });
        expect(plainValueOf(settings, setting.secretReferenceValueId as string)).toBe(
          setting.value,
        );
      }
      const masked = maskOmaSettings(settings) as Record<string, unknown>[];
      expect(masked.filter((s) => s.isEncrypted).every((s) => s.value === MASKED_VALUE)).toBe(true);
      expect(
        settings.filter((s) => !s.isEncrypted).every((s) => s.secretReferenceValueId === null),
      ).toBe(true);
    }
  });
});

describe('the definitions catalogue', () => {
  it('has the same built-in definitions in every tenant, and custom ones of its own', () => {
    const a = new DefinitionCatalogue('tenant-a');
    const b = new DefinitionCatalogue('tenant-b');
    expect(a.builtIn).toHaveLength(BUILT_IN_DEFINITIONS);
    expect(a.builtIn.map((d) => d.id)).toEqual(b.builtIn.map((d) => d.id));
    expect(a.builtIn[0].presentations).toEqual(b.builtIn[0].presentations);
    expect(a.custom.length).toBeGreaterThan(0);
    expect(a.custom.map((d) => d.id)).not.toEqual(b.custom.map((d) => d.id));
    expect(a.get(b.custom[0].id)).toBeUndefined();
    expect(new DefinitionCatalogue('tenant-a').custom).toEqual(a.custom);
    expect(a.custom.every((d) => d.policyType === 'admxIngested')).toBe(true);
    expect(a.builtIn.every((d) => d.policyType === 'admxBacked')).toBe(true);
    const presentations = a.builtIn.flatMap((d) => d.presentations);
    expect(presentations.length).toBeGreaterThan(100);
    expect(new Set(presentations.map((p) => p['@odata.type'])).size).toBeGreaterThan(5);
  });

  it('is referenced by generated definition values, mostly built-in, some custom', () => {
    const catalogue = new DefinitionCatalogue('refs');
    const values = generateItems('refs', 'groupPolicyConfigurations', 40).flatMap(
      (item) =>
        generateRelated(
          'refs',
          'groupPolicyConfigurations',
          item.id,
          'definitionValues',
          catalogue,
        ) as unknown as StoredDefinitionValue[],
    );
    const custom = values.filter((v) => catalogue.custom.some((d) => d.id === v.definitionId));
    expect(custom.length).toBeGreaterThan(0);
    expect(custom.length).toBeLessThan(values.length / 2);
    expect(values.some((v) => v.presentationValues.length > 0)).toBe(true);
  });
});
