import {
  ancestryOf,
  concreteTypesOf,
  isAssignableTo,
  isConcrete,
  isKnownODataType,
  navigationPropertiesOf,
  ODATA_TYPES,
  POLICY_COLLECTION_BASE_TYPES,
  policyTypesOf,
  propertiesOf,
  readOnlyProperties,
  shapeOf,
  writablePropertiesOf,
  type DeviceCompliancePolicyWrite,
  type DeviceConfigurationWrite,
  type GraphProperty,
  type ODataType,
  type PolicyCollection,
  type PolicyWriteBody,
  type WriteBody,
} from './graph-shapes.js';

const g = (name: string) => `#microsoft.graph.${name}`;
const names = (properties: readonly GraphProperty[]) => properties.map((p) => p.name);
const property = (type: string, name: string) => {
  const found = propertiesOf(g(type)).get(name);
  if (!found) throw new Error(`${type} has no ${name}`);
  return found;
};
const COLLECTIONS = Object.keys(POLICY_COLLECTION_BASE_TYPES) as PolicyCollection[];
const ALL = COLLECTIONS.flatMap((c) => [POLICY_COLLECTION_BASE_TYPES[c], ...policyTypesOf(c)]);

describe('graph shapes: types', () => {
  it('knows a type by its @odata.type, with or without the #', () => {
    expect(shapeOf(g('windows10GeneralConfiguration'))?.base).toBe(g('deviceConfiguration'));
    expect(shapeOf('microsoft.graph.windows10GeneralConfiguration')?.odataType).toBe(
      g('windows10GeneralConfiguration'),
    );
    expect(shapeOf(g('noSuchConfiguration'))).toBeUndefined();
    expect(isKnownODataType(g('noSuchConfiguration'))).toBe(false);
    expect(() => propertiesOf(g('noSuchConfiguration'))).toThrow(/unknown @odata.type/);
  });

  it('tells assignability along the base chain', () => {
    const general = g('windows10GeneralConfiguration');
    expect(isAssignableTo(general, g('deviceConfiguration'))).toBe(true);
    expect(isAssignableTo(general, g('entity'))).toBe(true);
    expect(isAssignableTo(general, general)).toBe(true);
    expect(isAssignableTo(general, g('deviceCompliancePolicy'))).toBe(false);
    expect(isAssignableTo(g('deviceConfiguration'), general)).toBe(false);
    expect(isAssignableTo(g('noSuchConfiguration'), g('deviceConfiguration'))).toBe(false);
    expect(ancestryOf(general)).toEqual([general, g('deviceConfiguration'), g('entity')]);
  });

  it('keeps the abstract bases out of the types a collection can hold', () => {
    for (const base of ['deviceConfiguration', 'deviceCompliancePolicy', 'omaSetting']) {
      expect(isConcrete(g(base))).toBe(false);
      expect(concreteTypesOf(g(base))).not.toContain(g(base));
    }
    const configurations = policyTypesOf('deviceConfigurations');
    expect(configurations).toEqual(
      expect.arrayContaining([
        g('windows10GeneralConfiguration'),
        g('windows10CustomConfiguration'),
        g('iosGeneralDeviceConfiguration'),
        g('macOSCustomConfiguration'),
      ]),
    );
    expect(configurations.some((t) => t.endsWith('CertificateProfileBase'))).toBe(false);
    expect(policyTypesOf('deviceCompliancePolicies')).toContain(g('windows10CompliancePolicy'));
    expect(policyTypesOf('deviceCompliancePolicies')).not.toContain(
      g('windows10GeneralConfiguration'),
    );
  });

  it('gives every policy collection concrete types, each assignable to its base', () => {
    for (const collection of COLLECTIONS) {
      const types = policyTypesOf(collection);
      expect(types.length).toBeGreaterThan(0);
      for (const type of types) {
        expect(isAssignableTo(type, POLICY_COLLECTION_BASE_TYPES[collection])).toBe(true);
        expect(isConcrete(type)).toBe(true);
      }
    }
    // Collections of one concrete type (no subtypes) hold that type itself.
    expect(policyTypesOf('groupPolicyConfigurations')).toEqual([g('groupPolicyConfiguration')]);
    expect(policyTypesOf('configurationPolicies')).toEqual([
      g('deviceManagementConfigurationPolicy'),
    ]);
  });

  it('has the @odata.types the simulated Graph generates today, concrete and where they belong', () => {
    const sim: [string, string][] = [
      ['windows10GeneralConfiguration', 'deviceConfiguration'],
      ['windows10CompliancePolicy', 'deviceCompliancePolicy'],
      ['groupPolicyConfiguration', 'groupPolicyConfiguration'],
      ['iosManagedAppProtection', 'iosManagedAppProtection'],
      ['androidManagedAppProtection', 'androidManagedAppProtection'],
      ['deviceEnrollmentLimitConfiguration', 'deviceEnrollmentConfiguration'],
      ['groupAssignmentTarget', 'deviceAndAppManagementAssignmentTarget'],
      [
        'deviceManagementConfigurationSimpleSettingInstance',
        'deviceManagementConfigurationSettingInstance',
      ],
      [
        'deviceManagementConfigurationIntegerSettingValue',
        'deviceManagementConfigurationSimpleSettingValue',
      ],
    ];
    for (const [type, base] of sim) {
      expect(isConcrete(g(type))).toBe(true);
      expect(concreteTypesOf(g(base))).toContain(g(type));
    }
  });
});

describe('graph shapes: properties', () => {
  it('gives every concrete type properties, but marker subtypes of an abstract base', () => {
    const concrete = ODATA_TYPES.filter(isConcrete);
    expect(concrete.length).toBeGreaterThan(ALL.length / 2);
    for (const type of ALL) expect(propertiesOf(type).size).toBeGreaterThan(0);
    const markers = concrete.filter((type) => propertiesOf(type).size === 0);
    for (const type of markers) {
      // e.g. edgeHomeButtonHidden: its @odata.type is its whole value.
      const base = shapeOf(type)?.base;
      expect(base && !isConcrete(base)).toBe(true);
      expect(shapeOf(type)?.entity).toBeUndefined();
    }
    expect(markers.length).toBeLessThan(concrete.length / 20);
  });

  it('includes inherited properties, saying which type declares them', () => {
    const displayName = property('windows10GeneralConfiguration', 'displayName');
    expect(displayName.declaredBy).toBe(g('deviceConfiguration'));
    expect(property('windows10GeneralConfiguration', 'id').declaredBy).toBe(g('entity'));
    expect(property('omaSettingString', 'omaUri').declaredBy).toBe(g('omaSetting'));
  });

  it('only references types and enums the table has, and navigates only to entity types', () => {
    for (const type of ODATA_TYPES) {
      for (const p of propertiesOf(type).values()) {
        if (p.kind === 'complex' || p.kind === 'entity') {
          expect(p.type && isKnownODataType(p.type)).toBe(true);
          expect(Boolean(shapeOf(p.type!)?.entity)).toBe(p.kind === 'entity');
          expect(Boolean(p.navigation)).toBe(p.kind === 'entity');
        }
        if (p.kind === 'enum') expect(p.enumMembers?.length).toBeGreaterThan(0);
      }
    }
  });

  it('marks id, the timestamps and version read-only on every device configuration', () => {
    for (const type of concreteTypesOf(g('deviceConfiguration'))) {
      const readOnly = names(readOnlyProperties(type));
      expect(readOnly).toEqual(
        expect.arrayContaining([
          'id',
          'createdDateTime',
          'lastModifiedDateTime',
          'version',
          'supportsScopeTags',
        ]),
      );
      const writable = names(writablePropertiesOf(type));
      expect(writable).toContain('displayName');
      expect(writable).not.toContain('version');
      expect(writable).not.toContain('assignments');
    }
    // Where the read-only mark comes from: the source's own comment, or the list of server-set.
    expect(property('windows10GeneralConfiguration', 'id').readOnly).toBe('documented');
    expect(property('windows10GeneralConfiguration', 'version').readOnly).toBe('serverSet');
  });

  it('types windows10CustomConfiguration.omaSettings as a collection of complex omaSetting', () => {
    const omaSettings = property('windows10CustomConfiguration', 'omaSettings');
    expect(omaSettings).toMatchObject({
      kind: 'complex',
      type: g('omaSetting'),
      collection: true,
    });
    expect(omaSettings.navigation).toBeUndefined();
    expect(concreteTypesOf(g('omaSetting'))).toEqual(
      expect.arrayContaining(
        [
          'omaSettingString',
          'omaSettingStringXml',
          'omaSettingInteger',
          'omaSettingBoolean',
          'omaSettingBase64',
          'omaSettingDateTime',
          'omaSettingFloatingPoint',
        ].map(g),
      ),
    );
  });

  it('keeps OMA-URI secrets server-side: isEncrypted and secretReferenceValueId are read-only', () => {
    for (const type of concreteTypesOf(g('omaSetting'))) {
      expect(names(readOnlyProperties(type))).toEqual(
        expect.arrayContaining(['isEncrypted', 'secretReferenceValueId']),
      );
      expect(names(writablePropertiesOf(type))).toEqual(
        expect.arrayContaining(['displayName', 'omaUri', 'value']),
      );
    }
    expect(property('omaSettingInteger', 'value').kind).toBe('number');
    expect(property('omaSettingBoolean', 'value').kind).toBe('boolean');
    expect(property('omaSettingString', 'value').kind).toBe('string');
    expect(property('omaSettingDateTime', 'value').kind).toBe('dateTime');
  });

  it("makes a compliance policy's scheduledActionsForRule a navigation collection", () => {
    for (const type of concreteTypesOf(g('deviceCompliancePolicy'))) {
      expect(propertiesOf(type).get('scheduledActionsForRule')).toMatchObject({
        kind: 'entity',
        type: g('deviceComplianceScheduledActionForRule'),
        collection: true,
        navigation: true,
      });
      expect(names(navigationPropertiesOf(type))).toContain('assignments');
      expect(names(writablePropertiesOf(type))).not.toContain('scheduledActionsForRule');
    }
    const actions = property(
      'deviceComplianceScheduledActionForRule',
      'scheduledActionConfigurations',
    );
    expect(actions).toMatchObject({ type: g('deviceComplianceActionItem'), navigation: true });
    expect(property('deviceComplianceActionItem', 'actionType').enumMembers).toContain('block');
  });

  it('has the settings catalog: flags enums, settings as navigation, abstract setting instances', () => {
    const platforms = property('deviceManagementConfigurationPolicy', 'platforms');
    expect(platforms).toMatchObject({ kind: 'enum', flags: true });
    expect(platforms.collection).toBeUndefined();
    expect(platforms.enumMembers).toEqual(expect.arrayContaining(['windows10', 'macOS', 'iOS']));
    expect(property('deviceManagementConfigurationPolicy', 'technologies').flags).toBe(true);
    expect(property('deviceManagementConfigurationPolicy', 'settings')).toMatchObject({
      type: g('deviceManagementConfigurationSetting'),
      navigation: true,
      collection: true,
    });
    const instance = property('deviceManagementConfigurationSetting', 'settingInstance');
    expect(instance).toMatchObject({ kind: 'complex' });
    expect(isConcrete(instance.type!)).toBe(false);
    expect(concreteTypesOf(instance.type!)).toEqual(
      expect.arrayContaining(
        [
          'deviceManagementConfigurationSimpleSettingInstance',
          'deviceManagementConfigurationChoiceSettingInstance',
          'deviceManagementConfigurationGroupSettingCollectionInstance',
        ].map(g),
      ),
    );
  });

  it('has administrative templates: definition values and their presentation values', () => {
    expect(property('groupPolicyConfiguration', 'definitionValues')).toMatchObject({
      type: g('groupPolicyDefinitionValue'),
      navigation: true,
    });
    const presentationValues = property('groupPolicyDefinitionValue', 'presentationValues');
    expect(presentationValues.navigation).toBe(true);
    expect(isConcrete(presentationValues.type!)).toBe(false);
    expect(concreteTypesOf(presentationValues.type!)).toEqual(
      expect.arrayContaining(
        ['groupPolicyPresentationValueText', 'groupPolicyPresentationValueBoolean'].map(g),
      ),
    );
    expect(property('groupPolicyDefinitionValue', 'enabled').kind).toBe('boolean');
  });

  it('types assignment targets as abstract complex values with concrete group targets', () => {
    const target = property('deviceConfigurationAssignment', 'target');
    expect(target).toMatchObject({ kind: 'complex' });
    expect(isConcrete(target.type!)).toBe(false);
    expect(concreteTypesOf(target.type!)).toEqual(
      expect.arrayContaining(['groupAssignmentTarget', 'exclusionGroupAssignmentTarget'].map(g)),
    );
  });
});

describe('graph shapes: write bodies', () => {
  // Checked by the compiler (npm run typecheck); the runtime part only keeps the values used.
  it('types write bodies from the table', () => {
    const custom: DeviceConfigurationWrite = {
      '@odata.type': '#microsoft.graph.windows10CustomConfiguration',
      displayName: 'Custom',
      omaSettings: [
        {
          '@odata.type': '#microsoft.graph.omaSettingInteger',
          displayName: 'n',
          omaUri: './Device/Vendor/MSFT/Policy/Config/A/B',
          value: 3,
        },
      ],
    };
    const compliance: PolicyWriteBody<'deviceCompliancePolicies', 'scheduledActionsForRule'> = {
      '@odata.type': '#microsoft.graph.windows10CompliancePolicy',
      displayName: 'Compliance',
      scheduledActionsForRule: [
        {
          ruleName: 'PasswordRequired',
          scheduledActionConfigurations: [{ actionType: 'block', gracePeriodHours: 0 }],
        },
      ],
    };
    const catalog: WriteBody<'#microsoft.graph.deviceManagementConfigurationPolicy', 'settings'> = {
      '@odata.type': '#microsoft.graph.deviceManagementConfigurationPolicy',
      name: 'Catalog',
      platforms: 'windows10',
      technologies: 'mdm,microsoftSense',
      settings: [
        {
          settingInstance: {
            '@odata.type': '#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance',
            settingDefinitionId: 'device_vendor_msft_policy_config_a',
            simpleSettingValue: {
              '@odata.type': '#microsoft.graph.deviceManagementConfigurationIntegerSettingValue',
              value: 1,
            },
          },
        },
      ],
    };
    const refused: DeviceCompliancePolicyWrite[] = [
      // @ts-expect-error version is set by Intune
      { '@odata.type': '#microsoft.graph.windows10CompliancePolicy', version: 2 },
      // @ts-expect-error scheduledActionsForRule is a navigation property, not named here
      { '@odata.type': '#microsoft.graph.windows10CompliancePolicy', scheduledActionsForRule: [] },
      // @ts-expect-error a configuration profile type is not a compliance policy
      { '@odata.type': '#microsoft.graph.windows10GeneralConfiguration' },
      // @ts-expect-error an abstract base is not a write's type
      { '@odata.type': '#microsoft.graph.deviceCompliancePolicy' },
    ];
    const wrongValue: DeviceConfigurationWrite = {
      '@odata.type': '#microsoft.graph.windows10CustomConfiguration',
      omaSettings: [
        // @ts-expect-error an integer OMA setting's value is a number
        { '@odata.type': '#microsoft.graph.omaSettingInteger', omaUri: './A', value: 'three' },
      ],
    };
    const types: ODataType[] = [custom, compliance, catalog, ...refused, wrongValue].map(
      (body) => body['@odata.type'],
    );
    expect(types.every((t) => isKnownODataType(t))).toBe(true);
  });
});
