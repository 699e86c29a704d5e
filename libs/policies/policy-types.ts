import type { GraphItem, ResourceWithRelated } from '#libs/graph';

/**
 * The Intune policy types TenantOps keeps an inventory of, each read from one Graph resource of
 * the contract registry. What a full capture of each needs beyond the item itself (settings
 * catalog settings, administrative template definition values) is listed here too.
 */
export const POLICY_TYPES = {
  device_configuration: { resource: 'deviceConfigurations', label: 'Device configuration' },
  settings_catalog: {
    resource: 'configurationPolicies',
    label: 'Settings catalog',
    related: ['settings'],
  },
  compliance_policy: { resource: 'deviceCompliancePolicies', label: 'Compliance policy' },
  administrative_template: {
    resource: 'groupPolicyConfigurations',
    label: 'Administrative template',
    related: ['definitionValues'],
  },
  ios_app_protection: { resource: 'iosManagedAppProtections', label: 'iOS app protection' },
  android_app_protection: {
    resource: 'androidManagedAppProtections',
    label: 'Android app protection',
  },
  enrollment_configuration: {
    resource: 'deviceEnrollmentConfigurations',
    label: 'Enrollment configuration',
  },
} as const satisfies Record<
  string,
  { resource: ResourceWithRelated; label: string; related?: readonly string[] }
>;

export type PolicyType = keyof typeof POLICY_TYPES;
export const POLICY_TYPE_NAMES = Object.keys(POLICY_TYPES) as PolicyType[];

/** The selected types, sorted and without repeats; none selected means every type. */
export function selectedPolicyTypes(types: readonly string[] | undefined): PolicyType[] {
  const chosen = types?.length ? new Set(types) : new Set<string>(POLICY_TYPE_NAMES);
  return POLICY_TYPE_NAMES.filter((type) => chosen.has(type)).sort();
}

const PLATFORMS: [RegExp, string][] = [
  [/^#microsoft\.graph\.(windows|win32|sharedPC|editionUpgrade)/i, 'windows'],
  [/^#microsoft\.graph\.(ios|iPad)/i, 'iOS'],
  [/^#microsoft\.graph\.(macOS)/i, 'macOS'],
  [/^#microsoft\.graph\.(android|aosp)/i, 'android'],
];

/** The platform a listed policy applies to, from its `platforms` or its OData type. */
export function platformOf(type: PolicyType, item: GraphItem): string | null {
  if (typeof item.platforms === 'string') return item.platforms;
  if (type === 'ios_app_protection') return 'iOS';
  if (type === 'android_app_protection') return 'android';
  const odataType = item['@odata.type'];
  if (typeof odataType !== 'string') return null;
  return PLATFORMS.find(([pattern]) => pattern.test(odataType))?.[1] ?? null;
}

/** A policy's name: `displayName`, or `name` for the settings catalog. */
export function displayNameOf(item: GraphItem): string {
  const name = item.displayName ?? item.name;
  return typeof name === 'string' ? name : item.id;
}
