import { propertiesOf, type GraphResource, type PolicyCollection } from '#libs/graph';
import { Prng } from './prng.js';
import { generateDefinitionValues, type DefinitionCatalogue } from './sim-definitions.js';
import { encryptOmaSettings, generateOmaSettings } from './sim-oma.js';
import { assignmentTypeOf } from './sim-validate.js';
import { generateObject, timestamp } from './sim-values.js';

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
] as const satisfies readonly (GraphResource & PolicyCollection)[];

export const isPolicyResource = (resource: string): resource is PolicyCollection =>
  (POLICY_RESOURCES as readonly string[]).includes(resource);

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

const g = (name: string) => `#microsoft.graph.${name}`;

/** The `@odata.type`s each policy collection's generated items take, in turn. */
export const GENERATED_TYPES: Readonly<Record<PolicyCollection, readonly string[]>> = {
  deviceConfigurations: [
    'windows10GeneralConfiguration',
    'windows10CustomConfiguration',
    'iosGeneralDeviceConfiguration',
    'macOSGeneralDeviceConfiguration',
    'androidWorkProfileGeneralDeviceConfiguration',
    'windows10EndpointProtectionConfiguration',
    'androidWorkProfileCustomConfiguration',
    'windowsUpdateForBusinessConfiguration',
  ].map(g),
  configurationPolicies: [g('deviceManagementConfigurationPolicy')],
  deviceCompliancePolicies: [
    'windows10CompliancePolicy',
    'iosCompliancePolicy',
    'macOSCompliancePolicy',
    'androidWorkProfileCompliancePolicy',
  ].map(g),
  groupPolicyConfigurations: [g('groupPolicyConfiguration')],
  iosManagedAppProtections: [g('iosManagedAppProtection')],
  androidManagedAppProtections: [g('androidManagedAppProtection')],
  deviceEnrollmentConfigurations: [
    'deviceEnrollmentLimitConfiguration',
    'deviceEnrollmentPlatformRestrictionsConfiguration',
    'deviceEnrollmentWindowsHelloForBusinessConfiguration',
    'windows10EnrollmentCompletionPageConfiguration',
  ].map(g),
};

/** Collections whose items say their `@odata.type` (the others hold a single type and do not). */
export const TYPED_COLLECTIONS: ReadonlySet<PolicyCollection> = new Set([
  'deviceConfigurations',
  'deviceCompliancePolicies',
  'iosManagedAppProtections',
  'androidManagedAppProtections',
  'deviceEnrollmentConfigurations',
]);

/** The defaults every tenant has, at priority 0: updated, never created. */
const DEFAULT_ENROLLMENTS = [
  ['deviceEnrollmentLimitConfiguration', 'defaultLimit'],
  ['deviceEnrollmentPlatformRestrictionsConfiguration', 'defaultPlatformRestrictions'],
  ['deviceEnrollmentWindowsHelloForBusinessConfiguration', 'defaultWindowsHelloForBusiness'],
] as const;
export const DEFAULT_ENROLLMENT_NAME = 'All users and all devices';

/** `deviceEnrollmentConfigurationType` as Intune sets it for each type created. */
export const ENROLLMENT_KINDS: Readonly<Record<string, string>> = {
  [g('deviceEnrollmentLimitConfiguration')]: 'limit',
  [g('deviceEnrollmentPlatformRestrictionsConfiguration')]: 'platformRestrictions',
  [g('deviceEnrollmentPlatformRestrictionConfiguration')]: 'singlePlatformRestriction',
  [g('deviceEnrollmentWindowsHelloForBusinessConfiguration')]: 'windowsHelloForBusiness',
  [g('windows10EnrollmentCompletionPageConfiguration')]:
    'windows10EnrollmentCompletionPageConfiguration',
  [g('deviceComanagementAuthorityConfiguration')]: 'deviceComanagementAuthorityConfiguration',
};

const LABELS: Readonly<Record<PolicyCollection, string>> = {
  deviceConfigurations: 'Device configuration',
  configurationPolicies: 'Settings catalog',
  deviceCompliancePolicies: 'Compliance policy',
  groupPolicyConfigurations: 'Administrative template',
  iosManagedAppProtections: 'iOS app protection',
  androidManagedAppProtections: 'Android app protection',
  deviceEnrollmentConfigurations: 'Enrollment configuration',
};

/** Properties a policy's generator sets itself (names, server-set and computed values). */
const SET_HERE = new Set([
  'displayName',
  'description',
  'name',
  'platforms',
  'technologies',
  'settingCount',
  'creationSource',
  'templateReference',
  'roleScopeTagIds',
  'omaSettings',
  'priority',
  'limit',
  'deviceEnrollmentConfigurationType',
]);

/** A version as the type keeps it: a counter, or a string for app protections. */
export function versionValue(odataType: string, n: number): number | string | undefined {
  const version = propertiesOf(odataType).get('version');
  if (!version?.readOnly) return undefined;
  return version.kind === 'number' ? n : String(n);
}

/** How many assignments and settings a generated policy has: the first draw of their seeds. */
const assignmentCount = (tenantId: string, itemId: string) =>
  new Prng(`${tenantId}/${itemId}/assignments`).integer(0, 3);
const settingCount = (tenantId: string, itemId: string) =>
  new Prng(`${tenantId}/${itemId}/settings`).integer(1, 60);

/**
 * A policy's names, type and server-set values: what a list shows. Drawn from the collection's
 * seed, so they are cheap to make for thousands of policies.
 */
function policyBase(
  tenantId: string,
  collection: PolicyCollection,
  id: string,
  n: number,
  prng: Prng,
): SimItem {
  const label = LABELS[collection];
  const types = GENERATED_TYPES[collection];
  const enrollment = collection === 'deviceEnrollmentConfigurations';
  const defaultEnrollment = enrollment && n <= DEFAULT_ENROLLMENTS.length;
  const type = defaultEnrollment ? g(DEFAULT_ENROLLMENTS[n - 1][0]) : types[(n - 1) % types.length];
  const item: SimItem = { id };
  if (TYPED_COLLECTIONS.has(collection)) item['@odata.type'] = type;
  if (collection === 'configurationPolicies') {
    Object.assign(item, {
      name: `${label} ${n}`,
      description: `Generated settings catalog policy ${n}`,
      platforms: prng.pick(['windows10', 'macOS', 'iOS']),
      technologies: 'mdm',
      settingCount: settingCount(tenantId, id),
    });
  } else if (defaultEnrollment) {
    Object.assign(item, {
      displayName: DEFAULT_ENROLLMENT_NAME,
      description:
        'This is the default enrollment configuration applied with the lowest priority to all users and all devices regardless of group membership.',
      priority: 0,
      deviceEnrollmentConfigurationType: DEFAULT_ENROLLMENTS[n - 1][1],
    });
  } else {
    item.displayName = `${label} ${n}`;
    item.description = `Generated ${label.toLowerCase()} ${n}`;
    if (enrollment) {
      item.priority = n;
      item.deviceEnrollmentConfigurationType = ENROLLMENT_KINDS[type];
    }
  }
  item.createdDateTime = timestamp(n);
  item.lastModifiedDateTime = timestamp(n + prng.integer(0, 500));
  const version = versionValue(type, prng.integer(1, 9));
  if (version !== undefined) item.version = version;
  if (propertiesOf(type).get('supportsScopeTags')?.readOnly) item.supportsScopeTags = true;
  // Intune's own account of the assignments (the settings catalog's and app protections').
  if (propertiesOf(type).has('isAssigned')) item.isAssigned = assignmentCount(tenantId, id) > 0;
  return item;
}

/**
 * A policy's type-specific content, from its own seed (tenant, collection, id): a seeded share
 * of its type's writable properties with values of their kinds, and what Intune adds (scope
 * tags, encrypted OMA-URI settings, the settings catalog's template reference).
 */
function policyContent(tenantId: string, collection: PolicyCollection, item: SimItem) {
  const type =
    typeof item['@odata.type'] === 'string' ? item['@odata.type'] : GENERATED_TYPES[collection][0];
  const prng = new Prng(`${tenantId}/${collection}/${item.id}`);
  const properties = propertiesOf(type);
  const content: Record<string, unknown> = {};
  if (properties.has('roleScopeTagIds')) content.roleScopeTagIds = ['0'];
  if (properties.has('limit')) content.limit = prng.integer(1, 15);
  if (properties.has('omaSettings')) {
    content.omaSettings = encryptOmaSettings(generateOmaSettings(prng), () => prng.uuid());
  }
  if (collection === 'configurationPolicies') {
    content.creationSource = null;
    content.templateReference = {
      templateId: '',
      templateFamily: 'none',
      templateDisplayName: null,
      templateDisplayVersion: null,
    };
  }
  return Object.assign(
    content,
    generateObject(type, prng, 0, { concrete: type, skip: SET_HERE }) ?? {},
  );
}

/** Generated policies whose content is not made yet, and how to make it. */
const pendingContent = new WeakMap<SimItem, () => void>();

/**
 * The item with its content made (generated policies get theirs on first need: listing
 * thousands by their names costs little). The same item, completed in place.
 */
export function completeItem<T extends SimItem>(item: T): T {
  const fill = pendingContent.get(item);
  if (fill) {
    pendingContent.delete(item);
    fill();
  }
  return item;
}

type Shape = (n: number, prng: Prng) => Record<string, unknown>;

/** What the directory objects look like (the properties Graph would send). */
const DIRECTORY: Partial<Record<GraphResource, Shape>> = {
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

/**
 * The tenant's objects of one resource, the same for the same tenant id and size. Policies take
 * their collection's `@odata.type`s in turn; a policy's content comes from its own seed (tenant,
 * collection, id), so it is the same whenever it is made. `lazy`: policies' content is made on
 * first need ({@link completeItem}); otherwise at once.
 */
export function generateItems(
  tenantId: string,
  resource: GraphResource,
  size: number,
  options: { lazy?: boolean } = {},
): SimItem[] {
  const prng = new Prng(`${tenantId}/${resource}`);
  return Array.from({ length: size }, (_, i) => {
    const id = prng.uuid();
    if (isPolicyResource(resource)) {
      const item = policyBase(tenantId, resource, id, i + 1, prng);
      pendingContent.set(item, () => Object.assign(item, policyContent(tenantId, resource, item)));
      return options.lazy ? item : completeItem(item);
    }
    const item: SimItem = { id, ...DIRECTORY[resource]!(i + 1, prng) };
    if (resource === 'entraRoleDefinitions') item.templateId = id;
    return item;
  });
}

/** Well-known ids Intune gives the "all" targets in assignment ids. */
const ALL_DEVICES = 'adadadad-808e-44e2-905a-0b7873a8a531';
const ALL_USERS = 'acacacac-9df4-4c7d-9d50-4ef0226f57a9';

/**
 * What Graph sets on an assignment beyond what was written: where it came from (`source`), and
 * its intent or time stamp where the assignment type has them.
 */
export function assignmentDefaults(collection: PolicyCollection): Record<string, unknown> {
  const properties = propertiesOf(assignmentTypeOf(collection));
  const defaults: Record<string, unknown> = {};
  if (properties.has('intent')) defaults.intent = 'apply';
  if (properties.has('source')) defaults.source = 'direct';
  if (properties.has('sourceId')) defaults.sourceId = null;
  if (properties.has('lastModifiedDateTime')) defaults.lastModifiedDateTime = timestamp(0);
  return defaults;
}

function generateAssignments(prng: Prng, collection: PolicyCollection, itemId: string): SimItem[] {
  const defaults = assignmentDefaults(collection);
  return Array.from({ length: prng.integer(0, 3) }, () => {
    const roll = prng.next();
    const groupId = prng.uuid();
    const kind =
      roll < 0.75
        ? 'group'
        : roll < 0.85
          ? 'exclusionGroup'
          : roll < 0.95
            ? 'allDevices'
            : 'allLicensedUsers';
    const targetId =
      kind === 'allDevices' ? ALL_DEVICES : kind === 'allLicensedUsers' ? ALL_USERS : groupId;
    return {
      id: `${itemId}_${targetId}`,
      ...defaults,
      target: {
        '@odata.type': g(`${kind}AssignmentTarget`),
        deviceAndAppManagementAssignmentFilterId: null,
        deviceAndAppManagementAssignmentFilterType: 'none',
        ...(kind === 'group' || kind === 'exclusionGroup' ? { groupId } : {}),
      },
    };
  });
}

const SETTING_AREAS = ['browser', 'defender', 'devicelock', 'experience', 'update', 'privacy'];

function simpleValue(prng: Prng): Record<string, unknown> {
  return prng.next() < 0.5
    ? {
        '@odata.type': g('deviceManagementConfigurationIntegerSettingValue'),
        settingValueTemplateReference: null,
        value: prng.integer(0, 100),
      }
    : {
        '@odata.type': g('deviceManagementConfigurationStringSettingValue'),
        settingValueTemplateReference: null,
        value: `value-${prng.integer(1, 999)}`,
      };
}

/** A settings-catalog setting: simple, choice or simple-collection instances. */
function generateSetting(prng: Prng, index: number): SimItem {
  const settingDefinitionId = `device_vendor_msft_policy_config_${prng.pick(SETTING_AREAS)}_generated_${index}`;
  const base = { settingDefinitionId, settingInstanceTemplateReference: null };
  const kind = prng.integer(0, 3);
  let settingInstance: Record<string, unknown>;
  if (kind <= 1) {
    settingInstance = {
      '@odata.type': g('deviceManagementConfigurationSimpleSettingInstance'),
      ...base,
      simpleSettingValue: simpleValue(prng),
    };
  } else if (kind === 2) {
    settingInstance = {
      '@odata.type': g('deviceManagementConfigurationChoiceSettingInstance'),
      ...base,
      choiceSettingValue: {
        '@odata.type': g('deviceManagementConfigurationChoiceSettingValue'),
        settingValueTemplateReference: null,
        value: `${settingDefinitionId}_${prng.integer(0, 1)}`,
        children: [],
      },
    };
  } else {
    settingInstance = {
      '@odata.type': g('deviceManagementConfigurationSimpleSettingCollectionInstance'),
      ...base,
      simpleSettingCollectionValue: Array.from({ length: prng.integer(1, 3) }, () => ({
        '@odata.type': g('deviceManagementConfigurationStringSettingValue'),
        settingValueTemplateReference: null,
        value: `entry-${prng.integer(1, 999)}`,
      })),
    };
  }
  return { id: String(index), settingInstance };
}

function generateScheduledActions(prng: Prng): SimItem[] {
  const actions: SimItem[] = [
    {
      id: prng.uuid(),
      actionType: 'block',
      gracePeriodHours: prng.integer(0, 72),
      notificationTemplateId: '',
      notificationMessageCCList: [],
    },
  ];
  if (prng.next() < 0.5) {
    actions.push({
      id: prng.uuid(),
      actionType: 'notification',
      gracePeriodHours: prng.integer(0, 72),
      notificationTemplateId: prng.uuid(),
      notificationMessageCCList: [],
    });
  }
  return [
    { id: prng.uuid(), ruleName: 'PasswordRequired', scheduledActionConfigurations: actions },
  ];
}

/** Sub-collections below one object, generated on first read from the object's id. */
export function generateRelated(
  tenantId: string,
  resource: GraphResource,
  itemId: string,
  related: string,
  catalogue: DefinitionCatalogue,
): SimItem[] {
  const prng = new Prng(`${tenantId}/${itemId}/${related}`);
  switch (related) {
    case 'assignments':
      return isPolicyResource(resource) ? generateAssignments(prng, resource, itemId) : [];
    case 'settings':
      // Up to 60: many policies need more than one page of 25.
      return Array.from({ length: prng.integer(1, 60) }, (_, i) => generateSetting(prng, i));
    case 'definitionValues':
      return generateDefinitionValues(prng, catalogue) as unknown as SimItem[];
    case 'scheduledActionsForRule':
      return generateScheduledActions(prng);
    default:
      return [];
  }
}
