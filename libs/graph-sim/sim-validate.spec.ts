import fc from 'fast-check';
import { propertiesOf, writablePropertiesOf, type PolicyCollection } from '#libs/graph';
import { generateItems } from './sim-data.js';
import {
  COMPLIANCE_BLOCK_MESSAGE,
  DEFAULT_ENROLLMENT_MESSAGE,
  SECRET_REFERENCE_MESSAGE,
  validateAssignments,
  validateDefinitionValue,
  validatePolicyWrite,
  withoutReadOnly,
} from './sim-validate.js';

const g = (name: string) => `#microsoft.graph.${name}`;
const GENERAL = g('windows10GeneralConfiguration');
const general = (extra: Record<string, unknown> = {}) => ({
  '@odata.type': GENERAL,
  displayName: 'Restored',
  ...extra,
});
const create = (collection: PolicyCollection, body: unknown) =>
  validatePolicyWrite(collection, body, 'create');
const bad = (message: string | RegExp) => ({
  status: 400,
  code: 'BadRequest',
  message: typeof message === 'string' ? message : expect.stringMatching(message),
});
const modelFailure = (message: RegExp) => ({
  status: 400,
  code: 'ModelValidationFailure',
  message: expect.stringMatching(message),
});

const block = { actionType: 'block', gracePeriodHours: 0 };
const rules = (...actions: object[]) => [
  { ruleName: 'PasswordRequired', scheduledActionConfigurations: actions },
];
const compliance = (extra: Record<string, unknown> = {}) => ({
  '@odata.type': g('windows10CompliancePolicy'),
  displayName: 'Compliance',
  scheduledActionsForRule: rules(block),
  ...extra,
});
const catalog = (extra: Record<string, unknown> = {}) => ({
  name: 'Catalog',
  platforms: 'windows10',
  technologies: 'mdm',
  ...extra,
});
const simpleSetting = {
  settingInstance: {
    '@odata.type': g('deviceManagementConfigurationSimpleSettingInstance'),
    settingDefinitionId: 'device_vendor_msft_policy_config_x',
    simpleSettingValue: {
      '@odata.type': g('deviceManagementConfigurationIntegerSettingValue'),
      value: 3,
    },
  },
};
const omaString = (extra: Record<string, unknown> = {}) => ({
  '@odata.type': g('omaSettingString'),
  displayName: 'Key',
  omaUri: './Device/Vendor/MSFT/Policy/Config/WiFi/Key',
  value: 'plain',
  ...extra,
});
const custom = (settings: unknown[]) => ({
  '@odata.type': g('windows10CustomConfiguration'),
  displayName: 'Custom',
  omaSettings: settings,
});

describe('policy writes: the body and its @odata.type', () => {
  it('accepts a minimal body of a concrete type of the collection', () => {
    expect(create('deviceConfigurations', general())).toBeNull();
    expect(create('deviceConfigurations', general({ '@odata.type': GENERAL.slice(1) }))).toBeNull();
    expect(create('configurationPolicies', catalog({ settings: [simpleSetting] }))).toBeNull();
    expect(create('groupPolicyConfigurations', { displayName: 'Template' })).toBeNull();
  });

  it('refuses a body that is not a JSON object', () => {
    for (const body of [null, undefined, 'text', 3, [general()]]) {
      expect(create('deviceConfigurations', body)).toEqual(
        bad('The request body must be a JSON object.'),
      );
    }
  });

  it('refuses a missing, unknown, abstract or foreign @odata.type as ModelValidationFailure', () => {
    expect(create('deviceConfigurations', { displayName: 'x' })).toEqual(
      modelFailure(/required.*'microsoft\.graph\.deviceConfiguration' is abstract/),
    );
    expect(create('deviceCompliancePolicies', { displayName: 'x' })).toEqual(
      modelFailure(/'microsoft\.graph\.deviceCompliancePolicy' is abstract/),
    );
    expect(create('deviceConfigurations', general({ '@odata.type': g('noSuchPolicy') }))).toEqual(
      modelFailure(
        /'microsoft\.graph\.noSuchPolicy'.*unknown.*'microsoft\.graph\.deviceConfiguration'/,
      ),
    );
    expect(
      create(
        'deviceConfigurations',
        general({ '@odata.type': g('windows10CertificateProfileBase') }),
      ),
    ).toEqual(
      modelFailure(
        /abstract type 'microsoft\.graph\.windows10CertificateProfileBase'.*deviceConfiguration/,
      ),
    );
    expect(
      create('deviceConfigurations', general({ '@odata.type': g('windows10CompliancePolicy') })),
    ).toEqual(
      modelFailure(
        /'microsoft\.graph\.windows10CompliancePolicy' is not assignable to 'microsoft\.graph\.deviceConfiguration'/,
      ),
    );
    expect(create('deviceConfigurations', general({ '@odata.type': 7 }))).toEqual(
      modelFailure(/must be a string/),
    );
  });
});

describe('policy writes: properties at every depth', () => {
  it('refuses an unknown property, naming it and the type', () => {
    expect(create('deviceConfigurations', general({ bogusProperty: 1 }))).toEqual(
      bad(
        /^Property 'bogusProperty' does not exist on type 'microsoft\.graph\.windows10GeneralConfiguration'/,
      ),
    );
    // A property of another type of the collection is unknown on this one.
    expect(create('deviceConfigurations', general({ omaSettings: [] }))).toEqual(
      bad(/Property 'omaSettings' does not exist/),
    );
  });

  it('refuses read-only and server-set properties, naming them', () => {
    for (const [name, value] of [
      ['id', 'a'],
      ['createdDateTime', '2025-01-01T00:00:00Z'],
      ['lastModifiedDateTime', '2025-01-01T00:00:00Z'],
      ['version', 2],
      ['supportsScopeTags', true],
    ] as const) {
      expect(create('deviceConfigurations', general({ [name]: value }))).toEqual(
        bad(`The property '${name}' is read-only and cannot be set on a write.`),
      );
    }
    expect(create('configurationPolicies', catalog({ isAssigned: false }))).toEqual(
      bad(/'isAssigned' is read-only/),
    );
    expect(
      create(
        'configurationPolicies',
        catalog({ templateReference: { templateId: '', templateFamily: 'none' } }),
      ),
    ).toEqual(bad(/'templateReference\.templateFamily' is read-only/));
    expect(create('deviceConfigurations', custom([omaString({ isEncrypted: false })]))).toEqual(
      bad(/'omaSettings\[0\]\.isEncrypted' is read-only/),
    );
  });

  it('refuses values of the wrong kind, naming the property path', () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ passwordMinimumLength: '8' }, /'passwordMinimumLength': expected a number/],
      [{ passwordRequired: 'yes' }, /'passwordRequired': expected a boolean/],
      [{ displayName: 42 }, /'displayName': expected a string/],
      [{ passwordRequiredType: 'veryStrong' }, /'passwordRequiredType': expected one of/],
      [{ roleScopeTagIds: '0' }, /'roleScopeTagIds': expected a collection/],
      [{ roleScopeTagIds: [0] }, /'roleScopeTagIds\[0\]': expected a string/],
      [{ roleScopeTagIds: [null] }, /'roleScopeTagIds\[0\]': a collection holds no nulls/],
      [{ displayName: null }, /'displayName' cannot be null/],
      [{ defenderScanMaxCpu: Number.POSITIVE_INFINITY }, /'defenderScanMaxCpu': expected a number/],
      [{ defenderScanType: { value: 'full' } }, /'defenderScanType': expected one of/],
      [{ defenderDetectedMalwareActions: 'block' }, /expected an object of type/],
      [
        { defenderDetectedMalwareActions: { lowSeverity: 'explode' } },
        /'defenderDetectedMalwareActions\.lowSeverity': expected one of/,
      ],
      [
        { defenderScheduledScanTime: '8 o clock' },
        /'defenderScheduledScanTime': expected a time of day/,
      ],
      [
        { edgeHomeButtonConfiguration: { hidden: true } },
        /required for property 'edgeHomeButtonConfiguration'/,
      ],
    ];
    for (const [extra, message] of cases) {
      expect({ extra, refusal: create('deviceConfigurations', general(extra)) }).toEqual({
        extra,
        refusal: expect.objectContaining({ status: 400, message: expect.stringMatching(message) }),
      });
    }
    expect(
      create('iosManagedAppProtections', {
        displayName: 'p',
        periodOfflineBeforeAccessCheck: '12 hours',
      }),
    ).toEqual(bad(/'periodOfflineBeforeAccessCheck': expected an ISO 8601 duration/));
    expect(
      create('iosManagedAppProtections', {
        displayName: 'p',
        periodOfflineBeforeAccessCheck: 'PT12H',
      }),
    ).toBeNull();
    expect(
      create('deviceEnrollmentConfigurations', {
        '@odata.type': g('deviceEnrollmentNotificationConfiguration'),
        displayName: 'n',
        priority: 2,
        notificationMessageTemplateId: 'not-a-guid',
      }),
    ).toEqual(bad(/'notificationMessageTemplateId': expected a GUID/));
  });

  it('checks dateTime, date-like and flags values by their Edm form', () => {
    const update = (extra: Record<string, unknown>) =>
      validatePolicyWrite('configurationPolicies', catalog(extra), 'create');
    expect(update({ platforms: 'windows10,macOS' })).toBeNull();
    expect(update({ platforms: 'windows10,plan9' })).toEqual(
      bad(/'platforms': expected one or more/),
    );
    expect(update({ platforms: '' })).toEqual(bad(/'platforms'/));
    const wufb = (extra: Record<string, unknown>) =>
      create('deviceConfigurations', {
        '@odata.type': g('windowsUpdateForBusinessConfiguration'),
        displayName: 'w',
        ...extra,
      });
    expect(wufb({ featureUpdatesRollbackStartDateTime: '2025-03-01T10:00:00Z' })).toBeNull();
    expect(
      wufb({ featureUpdatesRollbackStartDateTime: '2025-03-01T10:00:00.1234567+02:00' }),
    ).toBeNull();
    for (const value of ['2025-03-01', 'yesterday', '2025-13-45T10:00:00Z', 1740823200000]) {
      expect(wufb({ featureUpdatesRollbackStartDateTime: value })).toEqual(
        bad(/'featureUpdatesRollbackStartDateTime': expected an ISO 8601 date and time/),
      );
    }
    expect(wufb({ featureUpdatesPauseStartDate: '2025-03-01' })).toEqual(
      bad(/'featureUpdatesPauseStartDate' is read-only/),
    );
  });

  it('checks nested values by their own @odata.type, which must fit the declared one', () => {
    expect(create('deviceConfigurations', custom([omaString()]))).toBeNull();
    const { '@odata.type': _type, ...untyped } = omaString();
    expect(create('deviceConfigurations', custom([untyped]))).toEqual(
      modelFailure(
        /required for property 'omaSettings\[0\]'.*'microsoft\.graph\.omaSetting' is abstract/,
      ),
    );
    expect(
      create('deviceConfigurations', custom([omaString({ '@odata.type': g('keyValuePair') })])),
    ).toEqual(
      modelFailure(
        /'microsoft\.graph\.keyValuePair' for property 'omaSettings\[0\]' is not assignable/,
      ),
    );
    expect(create('deviceConfigurations', custom([omaString({ value: 5 })]))).toEqual(
      bad(/'omaSettings\[0\]\.value': expected a string/),
    );
    expect(create('deviceConfigurations', custom([omaString({ colour: 'red' })]))).toEqual(
      bad(
        /Property 'colour' does not exist on type 'microsoft\.graph\.omaSettingString' \(in 'omaSettings\[0\]'\)/,
      ),
    );
    expect(
      create(
        'deviceConfigurations',
        custom([omaString({ '@odata.type': g('omaSettingInteger'), value: 3 })]),
      ),
    ).toBeNull();
  });

  it('takes no annotations but @odata.type', () => {
    expect(create('deviceConfigurations', general({ '@odata.etag': 'W/"1"' }))).toEqual(
      bad(/annotation '@odata\.etag' is not allowed/),
    );
    expect(
      create('deviceConfigurations', general({ 'assignments@odata.bind': ['https://x/y'] })),
    ).toEqual(bad(/annotation 'assignments@odata\.bind' is not allowed/));
  });

  it('refuses navigation written inline where Graph takes none', () => {
    expect(create('deviceConfigurations', general({ assignments: [] }))).toEqual(
      bad(/navigation property 'assignments' cannot be written/),
    );
    expect(create('configurationPolicies', catalog({ assignments: [] }))).toEqual(
      bad(/navigation property 'assignments'/),
    );
    expect(create('groupPolicyConfigurations', { displayName: 't', definitionValues: [] })).toEqual(
      bad(/navigation property 'definitionValues'/),
    );
  });

  it('requires displayName, or the settings catalog its name, platforms and technologies', () => {
    expect(create('deviceConfigurations', { '@odata.type': GENERAL })).toEqual(
      bad("The property 'displayName' is required."),
    );
    expect(create('iosManagedAppProtections', { description: 'x' })).toEqual(
      bad("The property 'displayName' is required."),
    );
    expect(
      create('deviceEnrollmentConfigurations', {
        '@odata.type': g('deviceEnrollmentLimitConfiguration'),
        priority: 1,
      }),
    ).toEqual(bad("The property 'displayName' is required."));
    for (const name of ['name', 'platforms', 'technologies']) {
      const body: Record<string, unknown> = catalog();
      delete body[name];
      expect(create('configurationPolicies', body)).toEqual(
        bad(`The property '${name}' is required.`),
      );
    }
  });

  it('refuses an OMA-URI setting written back with its secret reference, before anything else', () => {
    const captured = omaString({ isEncrypted: true, secretReferenceValueId: 'ref', value: '****' });
    expect(create('deviceConfigurations', custom([captured]))).toEqual(
      bad(SECRET_REFERENCE_MESSAGE),
    );
    expect(create('deviceConfigurations', { ...custom([captured]), id: 'x', version: 3 })).toEqual(
      bad(SECRET_REFERENCE_MESSAGE),
    );
    expect(
      validatePolicyWrite('deviceConfigurations', { omaSettings: [captured] }, 'update', {
        '@odata.type': g('windows10CustomConfiguration'),
      }),
    ).toEqual(bad(SECRET_REFERENCE_MESSAGE));
    // A null reference is no reference, but still a read-only property.
    expect(
      create('deviceConfigurations', custom([omaString({ secretReferenceValueId: null })])),
    ).toEqual(bad(/'omaSettings\[0\]\.secretReferenceValueId' is read-only/));
  });
});

describe('policy writes: the rules of a few policy kinds', () => {
  it('creates a compliance policy only with one rule holding one block action', () => {
    expect(create('deviceCompliancePolicies', compliance())).toBeNull();
    expect(
      create(
        'deviceCompliancePolicies',
        compliance({
          scheduledActionsForRule: rules(block, {
            actionType: 'notification',
            gracePeriodHours: 24,
            notificationTemplateId: 'a',
          }),
        }),
      ),
    ).toBeNull();
    for (const scheduledActionsForRule of [
      undefined,
      [],
      rules(),
      rules({ actionType: 'notification', gracePeriodHours: 1 }),
      rules(block, block),
      [...rules(block), ...rules(block)],
    ]) {
      expect(create('deviceCompliancePolicies', compliance({ scheduledActionsForRule }))).toEqual(
        bad(COMPLIANCE_BLOCK_MESSAGE),
      );
    }
    expect(
      create(
        'deviceCompliancePolicies',
        compliance({ scheduledActionsForRule: rules({ ...block, id: 'a' }) }),
      ),
    ).toEqual(
      bad(/'scheduledActionsForRule\[0\]\.scheduledActionConfigurations\[0\]\.id' is read-only/),
    );
    expect(
      create(
        'deviceCompliancePolicies',
        compliance({ scheduledActionsForRule: rules({ actionType: 'explode' }) }),
      ),
    ).toEqual(bad(/scheduledActionConfigurations\[0\]\.actionType': expected one of/));
    expect(
      validatePolicyWrite(
        'deviceCompliancePolicies',
        { scheduledActionsForRule: rules(block) },
        'update',
        {
          '@odata.type': g('windows10CompliancePolicy'),
        },
      ),
    ).toEqual(bad(/'scheduledActionsForRule' cannot be changed by PATCH/));
  });

  it('validates inline settings-catalog settings with the same rules', () => {
    expect(
      create('configurationPolicies', catalog({ settings: [{ ...simpleSetting, id: '0' }] })),
    ).toEqual(bad(/'settings\[0\]\.id' is read-only/));
    expect(
      create(
        'configurationPolicies',
        catalog({ settings: [{ settingInstance: { settingDefinitionId: 'x' } }] }),
      ),
    ).toEqual(modelFailure(/required for property 'settings\[0\]\.settingInstance'/));
    expect(
      create(
        'configurationPolicies',
        catalog({ settings: [{ ...simpleSetting, settingDefinitions: [] }] }),
      ),
    ).toEqual(bad(/'settings\[0\]\.settingDefinitions' is read-only/));
    expect(create('configurationPolicies', catalog({ settings: simpleSetting }))).toEqual(
      bad(/'settings': expected a collection/),
    );
  });

  it('never creates a default enrollment configuration, and keeps defaults at priority 0', () => {
    const limit = (extra: Record<string, unknown>) => ({
      '@odata.type': g('deviceEnrollmentLimitConfiguration'),
      displayName: 'Limit',
      limit: 5,
      ...extra,
    });
    expect(create('deviceEnrollmentConfigurations', limit({ priority: 2 }))).toBeNull();
    expect(create('deviceEnrollmentConfigurations', limit({ priority: 0 }))).toEqual(
      bad(DEFAULT_ENROLLMENT_MESSAGE),
    );
    expect(create('deviceEnrollmentConfigurations', limit({}))).toEqual(
      bad(DEFAULT_ENROLLMENT_MESSAGE),
    );
    const stored = (priority: number) => ({
      '@odata.type': g('deviceEnrollmentLimitConfiguration'),
      priority,
    });
    const patch = (body: object, priority: number) =>
      validatePolicyWrite('deviceEnrollmentConfigurations', body, 'update', stored(priority));
    expect(patch({ limit: 3, description: 'd' }, 0)).toBeNull();
    expect(patch({ priority: 0, limit: 3 }, 0)).toBeNull();
    expect(patch({ priority: 4 }, 0)).toEqual(
      bad(/default enrollment configuration cannot be changed/),
    );
    expect(patch({ priority: 0 }, 3)).toEqual(bad(/Priority 0 belongs to the default/));
    expect(patch({ priority: 5 }, 3)).toBeNull();
  });
});

describe('policy updates', () => {
  const stored = { '@odata.type': GENERAL };
  const patch = (body: unknown) =>
    validatePolicyWrite('deviceConfigurations', body, 'update', stored);

  it('needs no required property, and takes only the stored @odata.type', () => {
    expect(patch({ description: 'Only this' })).toBeNull();
    expect(patch({ '@odata.type': GENERAL, passwordRequired: true })).toBeNull();
    expect(patch({ '@odata.type': g('windows10CustomConfiguration') })).toEqual(
      modelFailure(
        /does not match the item's type 'microsoft\.graph\.windows10GeneralConfiguration'/,
      ),
    );
  });

  it('refuses what a create refuses', () => {
    expect(patch({ id: 'x' })).toEqual(bad(/'id' is read-only/));
    expect(patch({ bogusProperty: true })).toEqual(bad(/Property 'bogusProperty' does not exist/));
    expect(patch({ passwordMinimumLength: 'long' })).toEqual(bad(/expected a number/));
    expect(patch({ assignments: [] })).toEqual(bad(/navigation property 'assignments'/));
    expect(patch([])).toEqual(bad('The request body must be a JSON object.'));
  });

  it("replaces the settings catalog's whole policy with the create's rules (PUT)", () => {
    const put = (body: unknown) =>
      validatePolicyWrite('configurationPolicies', body, 'replace', {});
    expect(put(catalog({ settings: [simpleSetting] }))).toBeNull();
    expect(put({ name: 'x', platforms: 'windows10' })).toEqual(
      bad("The property 'technologies' is required."),
    );
    expect(put(catalog({ '@odata.type': g('windows10GeneralConfiguration') }))).toEqual(
      modelFailure(/does not match/),
    );
  });
});

describe('assign', () => {
  const group = (extra: Record<string, unknown> = {}) => ({
    target: {
      '@odata.type': g('groupAssignmentTarget'),
      groupId: '0b7873a8-808e-44e2-905a-adadadadadad',
      ...extra,
    },
  });
  const assign = (assignments: unknown, collection: PolicyCollection = 'deviceConfigurations') =>
    validateAssignments(collection, { assignments }, 'assignments');

  it('takes a list of assignments to groups, exclusions, all users or all devices', () => {
    expect(
      assign([
        group(),
        {
          target: {
            '@odata.type': g('exclusionGroupAssignmentTarget'),
            groupId: '0b7873a8-808e-44e2-905a-adadadadadad',
          },
        },
        { target: { '@odata.type': g('allLicensedUsersAssignmentTarget') } },
        {
          intent: 'apply',
          target: { '@odata.type': 'microsoft.graph.allDevicesAssignmentTarget' },
        },
      ]),
    ).toBeNull();
    expect(assign([])).toBeNull();
    expect(
      validateAssignments(
        'deviceEnrollmentConfigurations',
        { enrollmentConfigurationAssignments: [group()] },
        'enrollmentConfigurationAssignments',
      ),
    ).toBeNull();
  });

  it('refuses a body without the list, or with other parameters', () => {
    expect(validateAssignments('deviceConfigurations', { value: [] }, 'assignments')).toEqual(
      bad(/parameter 'value' is not in scope/),
    );
    expect(assign('all')).toEqual(bad("The body must carry 'assignments' as a list."));
    expect(validateAssignments('deviceConfigurations', 'x', 'assignments')).toEqual(
      bad('The request body must be a JSON object.'),
    );
  });

  it('refuses targets that are missing, untyped, of another kind, or a group without its id', () => {
    for (const target of [
      undefined,
      null,
      'group',
      { groupId: 'x' },
      { '@odata.type': g('configurationManagerCollectionAssignmentTarget'), collectionId: 'c' },
      { '@odata.type': g('deviceAndAppManagementAssignmentTarget') },
    ]) {
      expect(assign([{ target }])).toEqual(
        bad(/'assignments\[0\]\.target': expected an object whose @odata\.type is one of/),
      );
    }
    expect(assign([group({ groupId: undefined })])).toEqual(
      bad(/'assignments\[0\]\.target\.groupId'/),
    );
    expect(assign([group({ groupId: 'engineers' })])).toEqual(
      bad(/target\.groupId' must be the group's id/),
    );
    expect(assign([group({ colour: 'red' })])).toEqual(
      bad(/Property 'colour' does not exist on type 'microsoft\.graph\.groupAssignmentTarget'/),
    );
  });

  it("refuses the read-only properties of the collection's assignment type", () => {
    expect(assign([{ ...group(), id: 'x' }])).toEqual(bad(/'assignments\[0\]\.id' is read-only/));
    expect(assign([{ ...group(), source: 'direct' }])).toEqual(
      bad(/'assignments\[0\]\.source' is read-only/),
    );
    expect(assign([{ ...group(), sourceId: null }])).toEqual(
      bad(/'assignments\[0\]\.sourceId' is read-only/),
    );
    // Compliance assignments keep source writable in Microsoft's definitions.
    expect(assign([{ ...group(), source: 'direct' }], 'deviceCompliancePolicies')).toBeNull();
    expect(assign([{ ...group(), intent: 'apply' }], 'deviceCompliancePolicies')).toEqual(
      bad(
        /Property 'intent' does not exist on type 'microsoft\.graph\.deviceCompliancePolicyAssignment'/,
      ),
    );
    expect(
      assign(
        [{ ...group(), lastModifiedDateTime: '2025-01-01T00:00:00Z' }],
        'groupPolicyConfigurations',
      ),
    ).toEqual(bad(/lastModifiedDateTime' is read-only/));
  });
});

describe('definition values', () => {
  const definition =
    "https://graph.microsoft.com/beta/deviceManagement/groupPolicyDefinitions('def-1')";
  const presentation = `${definition}/presentations('pres-1')`;
  const text = (extra: Record<string, unknown> = {}) => ({
    '@odata.type': g('groupPolicyPresentationValueText'),
    value: 'v',
    'presentation@odata.bind': presentation,
    ...extra,
  });
  const value = (extra: Record<string, unknown> = {}) => ({
    enabled: true,
    'definition@odata.bind': definition,
    presentationValues: [text()],
    ...extra,
  });

  it('reads the definition and presentations bound, whatever the host and version', () => {
    expect(validateDefinitionValue(value())).toEqual({
      definitionId: 'def-1',
      presentations: [{ definitionId: 'def-1', presentationId: 'pres-1' }],
    });
    expect(
      validateDefinitionValue(
        value({
          'definition@odata.bind':
            'https://127.0.0.1:9443/v1.0/deviceManagement/groupPolicyDefinitions/def-2',
          presentationValues: [],
          configurationType: 'preference',
        }),
      ),
    ).toEqual({ definitionId: 'def-2', presentations: [] });
  });

  it('refuses a value without its definition, or bound to something else', () => {
    const { 'definition@odata.bind': _bind, ...unbound } = value();
    expect(validateDefinitionValue(unbound)).toEqual(
      bad("The property 'definition@odata.bind' is required."),
    );
    for (const url of [
      'not a url',
      "https://graph.microsoft.com/beta/deviceManagement/deviceConfigurations('x')",
      presentation,
      7,
    ]) {
      expect(validateDefinitionValue(value({ 'definition@odata.bind': url }))).toEqual(
        bad(/'definition@odata\.bind'/),
      );
    }
    expect(validateDefinitionValue(value({ definition: { id: 'def-1' } }))).toEqual(
      bad(/navigation property 'definition' cannot be written/),
    );
  });

  it('refuses presentation values that are untyped, abstract, unbound, or carry server-set values', () => {
    const { '@odata.type': _type, ...untyped } = text();
    expect(validateDefinitionValue(value({ presentationValues: [untyped] }))).toEqual(
      modelFailure(/required for property 'presentationValues\[0\]'/),
    );
    const { 'presentation@odata.bind': _bind, ...unbound } = text();
    expect(validateDefinitionValue(value({ presentationValues: [unbound] }))).toEqual(
      bad(/'presentationValues\[0\]\.presentation@odata\.bind' is required/),
    );
    expect(
      validateDefinitionValue(
        value({ presentationValues: [text({ 'presentation@odata.bind': definition })] }),
      ),
    ).toEqual(bad(/presentations\('<id>'\)/));
    expect(validateDefinitionValue(value({ presentationValues: [text({ id: 'x' })] }))).toEqual(
      bad(/'presentationValues\[0\]\.id' is read-only/),
    );
    expect(validateDefinitionValue(value({ presentationValues: [text({ value: 3 })] }))).toEqual(
      bad(/'presentationValues\[0\]\.value': expected a string/),
    );
    expect(validateDefinitionValue(value({ enabled: 'yes' }))).toEqual(
      bad(/'enabled': expected a boolean/),
    );
    expect(validateDefinitionValue(value({ createdDateTime: '2025-01-01T00:00:00Z' }))).toEqual(
      bad(/'createdDateTime' is read-only/),
    );
  });
});

describe('withoutReadOnly', () => {
  it('drops read-only properties at every depth, by each object’s own type', () => {
    expect(
      withoutReadOnly(g('deviceConfiguration'), {
        '@odata.type': g('windows10CustomConfiguration'),
        id: 'x',
        version: 3,
        displayName: 'd',
        omaSettings: [omaString({ isEncrypted: true, secretReferenceValueId: 'r' })],
      }),
    ).toEqual({
      '@odata.type': g('windows10CustomConfiguration'),
      displayName: 'd',
      omaSettings: [omaString()],
    });
  });
});

/** A value of another kind than the property's: what a confused client would send. */
function wrongValue(kind: string, collection: boolean): unknown {
  if (collection) return 'not a list';
  switch (kind) {
    case 'string':
    case 'guid':
    case 'binary':
      return 42;
    case 'number':
      return '42';
    case 'boolean':
      return 'true';
    case 'complex':
      return 'an object';
    default:
      return { not: 'a scalar' };
  }
}

describe('any generated policy with one property spoilt', () => {
  it('is refused, naming that property', () => {
    const collections: PolicyCollection[] = [
      'deviceConfigurations',
      'deviceCompliancePolicies',
      'iosManagedAppProtections',
      'androidManagedAppProtections',
      'deviceEnrollmentConfigurations',
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...collections),
        fc.string({ minLength: 1, maxLength: 8 }),
        fc.nat(),
        (collection, tenant, pick) => {
          const item = generateItems(tenant, collection, 6)[5];
          const type = item['@odata.type'] as string;
          const candidates = writablePropertiesOf(type).filter((p) => p.kind !== 'untyped');
          const property = candidates[pick % candidates.length];
          const body = {
            ...(withoutReadOnly(type, item) as Record<string, unknown>),
            [property.name]: wrongValue(property.kind, Boolean(property.collection)),
          };
          const refusal = validatePolicyWrite(collection, body, 'update', item);
          expect(refusal).toMatchObject({ status: 400, code: 'BadRequest' });
          expect(refusal!.message).toContain(`'${property.name}`);
          expect(propertiesOf(type).has(property.name)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
