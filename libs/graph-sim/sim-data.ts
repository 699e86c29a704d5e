import type { GraphResource } from '#libs/graph';
import { Prng } from './prng.js';

/** One generated Graph object. */
export type SimItem = { id: string } & Record<string, unknown>;

export const POLICY_RESOURCES = [
  'deviceConfigurations',
  'configurationPolicies',
  'deviceCompliancePolicies',
  'groupPolicyConfigurations',
  'iosManagedAppProtections',
  'androidManagedAppProtections',
  'deviceEnrollmentConfigurations',
] as const satisfies readonly GraphResource[];

/** How many objects of each kind a tenant has; `policies` sets every policy type at once. */
export type SimSizes = Partial<Record<GraphResource | 'policies', number>>;

export const DEFAULT_SIZES: Readonly<Record<GraphResource, number>> = {
  deviceConfigurations: 30,
  configurationPolicies: 30,
  deviceCompliancePolicies: 12,
  groupPolicyConfigurations: 12,
  iosManagedAppProtections: 6,
  androidManagedAppProtections: 6,
  deviceEnrollmentConfigurations: 8,
  groups: 250,
  entraRoleDefinitions: 60,
  intuneRoleDefinitions: 12,
};

const EPOCH = Date.parse('2025-01-01T00:00:00Z');
const timestamp = (hours: number) => new Date(EPOCH + hours * 3_600_000).toISOString();

type Shape = (n: number, prng: Prng) => Record<string, unknown>;

const policy =
  (odataType: string, label: string): Shape =>
  (n, prng) => ({
    '@odata.type': `#microsoft.graph.${odataType}`,
    displayName: `${label} ${n}`,
    description: `Generated ${label.toLowerCase()} ${n}`,
    createdDateTime: timestamp(n),
    lastModifiedDateTime: timestamp(n + prng.integer(0, 500)),
    version: prng.integer(1, 9),
  });

/** What each resource's objects look like (the properties Graph would send). */
const SHAPES: Record<GraphResource, Shape> = {
  deviceConfigurations: policy('windows10GeneralConfiguration', 'Device configuration'),
  configurationPolicies: (n, prng) => ({
    name: `Settings catalog ${n}`,
    description: `Generated settings catalog policy ${n}`,
    platforms: prng.pick(['windows10', 'macOS', 'iOS']),
    technologies: 'mdm',
    createdDateTime: timestamp(n),
    lastModifiedDateTime: timestamp(n + prng.integer(0, 500)),
    settingCount: 0,
  }),
  deviceCompliancePolicies: policy('windows10CompliancePolicy', 'Compliance policy'),
  groupPolicyConfigurations: (n, prng) => {
    const { displayName, description, createdDateTime, lastModifiedDateTime } = policy(
      'groupPolicyConfiguration',
      'Administrative template',
    )(n, prng);
    return { displayName, description, createdDateTime, lastModifiedDateTime };
  },
  iosManagedAppProtections: policy('iosManagedAppProtection', 'iOS app protection'),
  androidManagedAppProtections: policy('androidManagedAppProtection', 'Android app protection'),
  deviceEnrollmentConfigurations: (n, prng) => ({
    ...policy('deviceEnrollmentLimitConfiguration', 'Enrollment configuration')(n, prng),
    priority: n,
    limit: prng.integer(1, 15),
  }),
  groups: (n, prng) => {
    const mailEnabled = prng.next() < 0.3;
    return {
      displayName: `Group ${n}`,
      description: `Generated group ${n}`,
      mail: mailEnabled ? `group${n}@contoso.test` : null,
      mailEnabled,
      securityEnabled: !mailEnabled || prng.next() < 0.5,
      groupTypes: mailEnabled ? ['Unified'] : [],
    };
  },
  entraRoleDefinitions: (n, prng) => ({
    displayName: `Directory role ${n}`,
    description: `Generated directory role ${n}`,
    isBuiltIn: prng.next() < 0.8,
    isEnabled: true,
  }),
  intuneRoleDefinitions: (n, prng) => ({
    '@odata.type': '#microsoft.graph.deviceAndAppManagementRoleDefinition',
    displayName: `Intune role ${n}`,
    description: `Generated Intune role ${n}`,
    isBuiltIn: prng.next() < 0.5,
  }),
};

/** The tenant's objects of one resource, the same for the same tenant id and size. */
export function generateItems(tenantId: string, resource: GraphResource, size: number): SimItem[] {
  const prng = new Prng(`${tenantId}/${resource}`);
  return Array.from({ length: size }, (_, i) => {
    const id = prng.uuid();
    const item: SimItem = { id, ...SHAPES[resource](i + 1, prng) };
    if (resource === 'entraRoleDefinitions') item.templateId = id;
    return item;
  });
}

/** Sub-collections below one object, generated on first read from the object's id. */
export function generateRelated(tenantId: string, itemId: string, related: string): SimItem[] {
  const prng = new Prng(`${tenantId}/${itemId}/${related}`);
  switch (related) {
    case 'assignments':
      return Array.from({ length: prng.integer(0, 3) }, () => {
        const groupId = prng.uuid();
        return {
          id: `${itemId}_${groupId}`,
          target: { '@odata.type': '#microsoft.graph.groupAssignmentTarget', groupId },
        };
      });
    case 'settings':
      // Up to 60: many policies need more than one page of 25.
      return Array.from({ length: prng.integer(1, 60) }, (_, i) => ({
        id: String(i),
        settingInstance: {
          '@odata.type': '#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance',
          settingDefinitionId: `device_vendor_msft_policy_config_generated_${i}`,
          simpleSettingValue: {
            '@odata.type': '#microsoft.graph.deviceManagementConfigurationIntegerSettingValue',
            value: prng.integer(0, 100),
          },
        },
      }));
    case 'definitionValues':
      return Array.from({ length: prng.integer(1, 10) }, (_, i) => ({
        id: prng.uuid(),
        enabled: prng.next() < 0.8,
        configurationType: 'policy',
        definition: { id: prng.uuid(), displayName: `Template setting ${i}`, classType: 'machine' },
      }));
    case 'scheduledActionsForRule':
      return [
        {
          id: prng.uuid(),
          ruleName: 'PasswordRequired',
          scheduledActionConfigurations: [
            { id: prng.uuid(), actionType: 'block', gracePeriodHours: prng.integer(0, 72) },
          ],
        },
      ];
    default:
      return [];
  }
}
