/**
 * The simulated Graph's writes, over real HTTPS on loopback: each refusal Graph makes, with its
 * status, Graph error body and request id; the accepted create / PATCH / PUT round trips through
 * our own Graph client; encrypted OMA-URI values; `assign` replacing the set; definition values
 * bound to the tenant's definitions catalogue; and the lost-answer fault a restore must survive.
 */
import { randomUUID } from 'node:crypto';
import { request } from 'undici';
import type { AppConfig } from '#libs/common/config';
import { GraphNotFoundError, type TenantGraph } from '#libs/graph';
import type { ProviderCredentials } from '#libs/tenancy';
import { GraphHttp } from '../../libs/graph/graph-http.js';
import { HttpTenantGraph } from '../../libs/graph/tenant-graph.js';
import { valueTypeFor, type SimDefinition } from '../../libs/graph-sim/sim-definitions.js';
import { SIM_CLIENT_SECRET, startSim, type TestSim } from '../support/graph-sim.js';

describe('graph-sim-writes', () => {
  let sim: TestSim;
  let http: GraphHttp;
  const tokens = new Map<string, string>();

  beforeAll(async () => {
    sim = await startSim();
    http = new GraphHttp({
      graph: {
        baseUrl: sim.url,
        loginUrl: sim.url,
        caCertPath: sim.caCert,
        maxAttempts: 1,
        maxRetryWaitSeconds: 1,
        retryBaseMs: 10,
        timeoutSeconds: 30,
        concurrencyPerTenant: 4,
      },
    } as unknown as AppConfig);
  });
  afterAll(async () => {
    await http?.onApplicationShutdown();
    await sim?.close();
  });

  const g = (name: string) => `#microsoft.graph.${name}`;
  const DEVICE_CONFIGURATIONS = '/v1.0/deviceManagement/deviceConfigurations';
  const COMPLIANCE = '/v1.0/deviceManagement/deviceCompliancePolicies';
  const CATALOG = '/beta/deviceManagement/configurationPolicies';
  const ENROLLMENT = '/v1.0/deviceManagement/deviceEnrollmentConfigurations';
  const TEMPLATES = '/beta/deviceManagement/groupPolicyConfigurations';
  const DEFINITIONS = 'https://graph.microsoft.com/beta/deviceManagement/groupPolicyDefinitions';

  /** A client-credentials token for the tenant, from the sim's identity endpoint. */
  async function token(tenantId: string): Promise<string> {
    let found = tokens.get(tenantId);
    if (!found) {
      const response = await request(`${sim.url}/${tenantId}/oauth2/v2.0/token`, {
        dispatcher: sim.dispatcher,
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'client_credentials',
          client_id: randomUUID(),
          client_secret: SIM_CLIENT_SECRET,
          scope: `${sim.url}/.default`,
        }).toString(),
      });
      found = ((await response.body.json()) as { access_token: string }).access_token;
      tokens.set(tenantId, found);
    }
    return found;
  }

  interface Answer {
    status: number;
    requestId: string;
    body: any;
  }

  /** One raw Graph request: what any client would see. */
  async function call(
    tenantId: string,
    method: string,
    path: string,
    body?: unknown,
  ): Promise<Answer> {
    const response = await request(`${sim.url}${path}`, {
      dispatcher: sim.dispatcher,
      method: method as 'GET',
      headers: {
        authorization: `Bearer ${await token(tenantId)}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.body.text();
    return {
      status: response.statusCode,
      requestId: String(response.headers['request-id']),
      body: text ? JSON.parse(text) : undefined,
    };
  }

  /** Our own Graph client (`libs/graph`) for a sim tenant. */
  function client(tenantId: string): TenantGraph {
    return new HttpTenantGraph(tenantId, {
      http,
      baseUrl: sim.url,
      credentials: async () => ({}) as ProviderCredentials,
      token: () => token(tenantId),
    });
  }

  /** Graph's error body, with the request id of the answer and the date it was made. */
  function expectRefusal(answer: Answer, status: number, code: string, message: string | RegExp) {
    expect({ status: answer.status, body: answer.body }).toEqual({
      status,
      body: {
        error: {
          code,
          message: typeof message === 'string' ? message : expect.stringMatching(message),
          innerError: {
            date: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/),
            'request-id': answer.requestId,
            'client-request-id': expect.any(String),
          },
        },
      },
    });
    expect(answer.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(Date.now() - Date.parse(`${answer.body.error.innerError.date}Z`)).toBeLessThan(60_000);
  }

  const general = (extra: Record<string, unknown> = {}) => ({
    '@odata.type': g('windows10GeneralConfiguration'),
    displayName: `General ${randomUUID().slice(0, 8)}`,
    ...extra,
  });
  const complianceBody = (
    scheduledActionConfigurations: object[],
    extra: Record<string, unknown> = {},
  ) => ({
    '@odata.type': g('windows10CompliancePolicy'),
    displayName: 'Compliance',
    passwordRequired: true,
    scheduledActionsForRule: [{ ruleName: 'PasswordRequired', scheduledActionConfigurations }],
    ...extra,
  });
  const block = { actionType: 'block', gracePeriodHours: 12 };
  const secret = (value: string) => ({
    '@odata.type': g('omaSettingString'),
    displayName: 'Wi-Fi key',
    omaUri: './Device/Vendor/MSFT/WiFi/Profile/Contoso/Key',
    value,
  });
  const groupTarget = (groupId = randomUUID()) => ({
    '@odata.type': g('groupAssignmentTarget'),
    groupId,
  });

  describe('creates Graph refuses', () => {
    it('refuses the body of the issue — id, createdDateTime, version and a bogusProperty — and each of them alone', async () => {
      const tenant = randomUUID();
      const before = sim.tenant(tenant).count('deviceConfigurations');
      const all = await call(
        tenant,
        'POST',
        DEVICE_CONFIGURATIONS,
        general({
          id: randomUUID(),
          createdDateTime: '2020-01-01T00:00:00Z',
          version: 7,
          bogusProperty: 'x',
        }),
      );
      expectRefusal(all, 400, 'BadRequest', /^The property 'id' is read-only/);
      expectRefusal(
        await call(tenant, 'POST', DEVICE_CONFIGURATIONS, general({ bogusProperty: 'x' })),
        400,
        'BadRequest',
        "Property 'bogusProperty' does not exist on type 'microsoft.graph.windows10GeneralConfiguration'. Make sure to only use property names that are defined by the type.",
      );
      for (const [name, value] of [
        ['createdDateTime', '2020-01-01T00:00:00Z'],
        ['lastModifiedDateTime', '2020-01-01T00:00:00Z'],
        ['version', 7],
        ['supportsScopeTags', false],
      ] as const) {
        expectRefusal(
          await call(tenant, 'POST', DEVICE_CONFIGURATIONS, general({ [name]: value })),
          400,
          'BadRequest',
          `The property '${name}' is read-only and cannot be set on a write.`,
        );
      }
      expect(sim.tenant(tenant).count('deviceConfigurations')).toBe(before);
    });

    it('refuses an @odata.type that is missing, unknown, abstract or not of the collection as ModelValidationFailure', async () => {
      const tenant = randomUUID();
      const { '@odata.type': _type, ...untyped } = general();
      expectRefusal(
        await call(tenant, 'POST', DEVICE_CONFIGURATIONS, untyped),
        400,
        'ModelValidationFailure',
        /An @odata\.type is required: the collection's type 'microsoft\.graph\.deviceConfiguration' is abstract/,
      );
      expectRefusal(
        await call(
          tenant,
          'POST',
          DEVICE_CONFIGURATIONS,
          general({ '@odata.type': g('windows10CompliancePolicy') }),
        ),
        400,
        'ModelValidationFailure',
        "The type 'microsoft.graph.windows10CompliancePolicy' is not assignable to 'microsoft.graph.deviceConfiguration'.",
      );
      expectRefusal(
        await call(
          tenant,
          'POST',
          DEVICE_CONFIGURATIONS,
          general({ '@odata.type': g('windows10CertificateProfileBase') }),
        ),
        400,
        'ModelValidationFailure',
        /abstract type 'microsoft\.graph\.windows10CertificateProfileBase'.*'microsoft\.graph\.deviceConfiguration'/,
      );
      expectRefusal(
        await call(
          tenant,
          'POST',
          DEVICE_CONFIGURATIONS,
          general({ '@odata.type': g('windows99Configuration') }),
        ),
        400,
        'ModelValidationFailure',
        /'microsoft\.graph\.windows99Configuration' is unknown; expected 'microsoft\.graph\.deviceConfiguration'/,
      );
      expectRefusal(
        await call(tenant, 'POST', COMPLIANCE, { displayName: 'x', scheduledActionsForRule: [] }),
        400,
        'ModelValidationFailure',
        /'microsoft\.graph\.deviceCompliancePolicy' is abstract/,
      );
    });

    it('refuses a body that is not a JSON object, and values of the wrong kind at any depth, naming the property', async () => {
      const tenant = randomUUID();
      expectRefusal(
        await call(tenant, 'POST', DEVICE_CONFIGURATIONS, [general()]),
        400,
        'BadRequest',
        'The request body must be a JSON object.',
      );
      const cases: [Record<string, unknown>, RegExp][] = [
        [
          { passwordMinimumLength: 'eight' },
          /^Invalid value for property 'passwordMinimumLength': expected a number/,
        ],
        [
          { passwordRequiredType: 'strongest' },
          /^Invalid value for property 'passwordRequiredType': expected one of the members of 'requiredPasswordType'/,
        ],
        [
          { defenderScheduledScanTime: 'morning' },
          /'defenderScheduledScanTime': expected a time of day/,
        ],
        [{ passwordRequired: { value: true } }, /'passwordRequired': expected a boolean/],
        [{ roleScopeTagIds: '0' }, /'roleScopeTagIds': expected a collection/],
        [{ displayName: null }, /^The property 'displayName' cannot be null\.$/],
        [
          { defenderDetectedMalwareActions: { highSeverity: 'shred' } },
          /'defenderDetectedMalwareActions\.highSeverity': expected one of/,
        ],
      ];
      for (const [extra, message] of cases) {
        expectRefusal(
          await call(tenant, 'POST', DEVICE_CONFIGURATIONS, general(extra)),
          400,
          'BadRequest',
          message,
        );
      }
      expectRefusal(
        await call(tenant, 'POST', DEVICE_CONFIGURATIONS, {
          '@odata.type': g('windowsUpdateForBusinessConfiguration'),
          displayName: 'Rings',
          featureUpdatesRollbackStartDateTime: 'last Tuesday',
        }),
        400,
        'BadRequest',
        /'featureUpdatesRollbackStartDateTime': expected an ISO 8601 date and time/,
      );
      expectRefusal(
        await call(tenant, 'POST', DEVICE_CONFIGURATIONS, {
          '@odata.type': g('windows10CustomConfiguration'),
          displayName: 'Custom',
          omaSettings: [{ ...secret('x'), value: 42 }],
        }),
        400,
        'BadRequest',
        /'omaSettings\[0\]\.value': expected a string/,
      );
      const { '@odata.type': _type, ...untypedSetting } = secret('x');
      expectRefusal(
        await call(tenant, 'POST', DEVICE_CONFIGURATIONS, {
          '@odata.type': g('windows10CustomConfiguration'),
          displayName: 'Custom',
          omaSettings: [untypedSetting],
        }),
        400,
        'ModelValidationFailure',
        /property 'omaSettings\[0\]': 'microsoft\.graph\.omaSetting' is abstract/,
      );
    });

    it('refuses a missing required property, annotations, and navigation written inline', async () => {
      const tenant = randomUUID();
      expectRefusal(
        await call(tenant, 'POST', DEVICE_CONFIGURATIONS, {
          '@odata.type': g('windows10GeneralConfiguration'),
        }),
        400,
        'BadRequest',
        "The property 'displayName' is required.",
      );
      expectRefusal(
        await call(tenant, 'POST', CATALOG, { name: 'Catalog', platforms: 'windows10' }),
        400,
        'BadRequest',
        "The property 'technologies' is required.",
      );
      expectRefusal(
        await call(tenant, 'POST', DEVICE_CONFIGURATIONS, general({ '@odata.etag': 'W/"1"' })),
        400,
        'BadRequest',
        /annotation '@odata\.etag' is not allowed/,
      );
      expectRefusal(
        await call(
          tenant,
          'POST',
          DEVICE_CONFIGURATIONS,
          general({ assignments: [{ target: groupTarget() }] }),
        ),
        400,
        'BadRequest',
        /navigation property 'assignments' cannot be written/,
      );
    });

    it('creates a compliance policy only with exactly one block scheduled action', async () => {
      const tenant = randomUUID();
      const notify = {
        actionType: 'notification',
        gracePeriodHours: 24,
        notificationTemplateId: randomUUID(),
      };
      for (const body of [
        complianceBody([notify]),
        complianceBody([block, block]),
        complianceBody([], { scheduledActionsForRule: undefined }),
      ]) {
        expectRefusal(
          await call(tenant, 'POST', COMPLIANCE, body),
          400,
          'BadRequest',
          'Compliance policy must have one and only one block scheduled action',
        );
      }
      const created = await call(tenant, 'POST', COMPLIANCE, complianceBody([block, notify]));
      expect(created.status).toBe(201);
      expect(created.body).not.toHaveProperty('scheduledActionsForRule');
      const expanded = await call(
        tenant,
        'GET',
        `${COMPLIANCE}/${created.body.id}?$expand=scheduledActionsForRule($expand=scheduledActionConfigurations)`,
      );
      expect(expanded.body.scheduledActionsForRule).toEqual([
        {
          id: expect.stringMatching(/^[0-9a-f-]{36}$/),
          ruleName: 'PasswordRequired',
          scheduledActionConfigurations: [
            { id: expect.any(String), ...block },
            { id: expect.any(String), ...notify },
          ],
        },
      ]);
      expect(
        (await call(tenant, 'GET', `${COMPLIANCE}/${created.body.id}`)).body,
      ).not.toHaveProperty('scheduledActionsForRule');
    });

    it('never creates a default enrollment configuration (priority 0, or none)', async () => {
      const tenant = randomUUID();
      const limit = (extra: Record<string, unknown>) => ({
        '@odata.type': g('deviceEnrollmentLimitConfiguration'),
        displayName: 'Limit',
        limit: 5,
        ...extra,
      });
      for (const body of [limit({ priority: 0 }), limit({})]) {
        expectRefusal(
          await call(tenant, 'POST', ENROLLMENT, body),
          400,
          'BadRequest',
          'Default enrollment configurations cannot be created',
        );
      }
      const created = await call(tenant, 'POST', ENROLLMENT, limit({ priority: 3 }));
      expect(created).toMatchObject({
        status: 201,
        body: { priority: 3, deviceEnrollmentConfigurationType: 'limit', version: 1 },
      });
      const defaults = sim
        .tenant(tenant)
        .items('deviceEnrollmentConfigurations')
        .filter((item) => item.priority === 0);
      expect(defaults.map((item) => [item['@odata.type'], item.displayName])).toEqual([
        [g('deviceEnrollmentLimitConfiguration'), 'All users and all devices'],
        [g('deviceEnrollmentPlatformRestrictionsConfiguration'), 'All users and all devices'],
        [g('deviceEnrollmentWindowsHelloForBusinessConfiguration'), 'All users and all devices'],
      ]);
    });
  });

  describe('encrypted OMA-URI values', () => {
    it('stores every string value encrypted: reads show it masked, the plain-text function gives it back', async () => {
      const tenant = randomUUID();
      const graph = client(tenant);
      const created = await graph.create('deviceConfigurations', {
        '@odata.type': g('windows10CustomConfiguration'),
        displayName: 'Custom Wi-Fi',
        omaSettings: [
          secret('p4ss-w0rd'),
          {
            '@odata.type': g('omaSettingInteger'),
            displayName: 'Retries',
            omaUri: './Device/x/Retries',
            value: 3,
          },
        ],
      });
      const masked = {
        ...secret('****'),
        isEncrypted: true,
        secretReferenceValueId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      };
      expect(created.omaSettings).toEqual([
        masked,
        expect.objectContaining({ value: 3, isEncrypted: false, secretReferenceValueId: null }),
      ]);
      const read = await graph.get('deviceConfigurations', created.id);
      expect(read.omaSettings).toEqual(created.omaSettings);
      const listed = await call(tenant, 'GET', DEVICE_CONFIGURATIONS);
      const inList = listed.body.value.find((item: any) => item.id === created.id);
      expect(inList.omaSettings[0].value).toBe('****');
      const reference = (read.omaSettings as any[])[0].secretReferenceValueId as string;
      expect(await graph.omaSettingPlainTextValue(created.id, reference)).toBe('p4ss-w0rd');
      const answer = await call(
        tenant,
        'GET',
        `${DEVICE_CONFIGURATIONS}/${created.id}/getOmaSettingPlainTextValue(secretReferenceValueId='${reference}')`,
      );
      expect(answer).toMatchObject({ status: 200, body: { value: 'p4ss-w0rd' } });
      expectRefusal(
        await call(
          tenant,
          'GET',
          `${DEVICE_CONFIGURATIONS}/${created.id}/getOmaSettingPlainTextValue(secretReferenceValueId='${randomUUID()}')`,
        ),
        404,
        'Request_ResourceNotFound',
        /does not exist/,
      );

      // Written back as read (masked, with its reference): refused with Intune's own message,
      // even though the body holds other read-only values too.
      const { id: _id, ...captured } = read;
      expectRefusal(
        await call(tenant, 'POST', DEVICE_CONFIGURATIONS, { ...captured, displayName: 'Copy' }),
        400,
        'BadRequest',
        'SecretReferenceValueId invalid for create',
      );
      expectRefusal(
        await call(tenant, 'PATCH', `${DEVICE_CONFIGURATIONS}/${created.id}`, {
          omaSettings: read.omaSettings,
        }),
        400,
        'BadRequest',
        'SecretReferenceValueId invalid for create',
      );

      // A plain value is taken and encrypted again, under a new reference.
      await graph.update('deviceConfigurations', created.id, {
        omaSettings: [secret('n3w-s3cret')],
      });
      const updated = await graph.get('deviceConfigurations', created.id);
      const newReference = (updated.omaSettings as any[])[0].secretReferenceValueId as string;
      expect(newReference).not.toBe(reference);
      expect((updated.omaSettings as any[])[0].value).toBe('****');
      expect(await graph.omaSettingPlainTextValue(created.id, newReference)).toBe('n3w-s3cret');
      await expect(graph.omaSettingPlainTextValue(created.id, reference)).rejects.toBeInstanceOf(
        GraphNotFoundError,
      );
    });

    it('serves generated custom configurations the same way', async () => {
      const tenant = randomUUID();
      const graph = client(tenant);
      const listed = (await call(tenant, 'GET', DEVICE_CONFIGURATIONS)).body.value as any[];
      const types = new Set(listed.map((item) => item['@odata.type']));
      expect(types.size).toBeGreaterThanOrEqual(6);
      const customs = listed.filter((item) => Array.isArray(item.omaSettings));
      expect(customs.length).toBeGreaterThan(0);
      for (const item of customs) {
        for (const setting of item.omaSettings.filter((s: any) => s.isEncrypted)) {
          expect(setting.value).toBe('****');
          const plain = await graph.omaSettingPlainTextValue(
            item.id,
            setting.secretReferenceValueId,
          );
          expect(plain).not.toBe('****');
          expect(plain.length).toBeGreaterThan(4);
        }
      }
    });
  });

  describe('updates', () => {
    it('PATCHes the properties given (204), bumping version and lastModifiedDateTime', async () => {
      const tenant = randomUUID();
      const graph = client(tenant);
      const created = await graph.create(
        'deviceConfigurations',
        general({ passwordRequired: true }),
      );
      expect(created).toMatchObject({ version: 1, supportsScopeTags: true });
      const answer = await call(tenant, 'PATCH', `${DEVICE_CONFIGURATIONS}/${created.id}`, {
        '@odata.type': g('windows10GeneralConfiguration'),
        description: 'Changed',
        passwordMinimumLength: 12,
      });
      expect(answer).toEqual({ status: 204, requestId: expect.any(String), body: undefined });
      await graph.update('deviceConfigurations', created.id, { passwordRequired: false });
      const read = await graph.get('deviceConfigurations', created.id);
      expect(read).toMatchObject({
        displayName: created.displayName,
        description: 'Changed',
        passwordMinimumLength: 12,
        passwordRequired: false,
        version: 3,
        createdDateTime: created.createdDateTime,
      });
      expect(Date.parse(read.lastModifiedDateTime as string)).toBeGreaterThanOrEqual(
        Date.parse(created.lastModifiedDateTime as string),
      );
    });

    it('refuses a PATCH as Graph does: missing item, another type, read-only, inline rules, default priorities', async () => {
      const tenant = randomUUID();
      const path = (id: string) => `${DEVICE_CONFIGURATIONS}/${id}`;
      const missing = randomUUID();
      expectRefusal(
        await call(tenant, 'PATCH', path(missing), { description: 'x' }),
        404,
        'Request_ResourceNotFound',
        `Resource '${missing}' does not exist in deviceConfigurations.`,
      );
      const created = (await call(tenant, 'POST', DEVICE_CONFIGURATIONS, general())).body;
      expectRefusal(
        await call(tenant, 'PATCH', path(created.id), {
          '@odata.type': g('iosGeneralDeviceConfiguration'),
        }),
        400,
        'ModelValidationFailure',
        /does not match the item's type 'microsoft\.graph\.windows10GeneralConfiguration'/,
      );
      expectRefusal(
        await call(tenant, 'PATCH', path(created.id), { version: 9 }),
        400,
        'BadRequest',
        /'version' is read-only/,
      );
      expectRefusal(
        await call(tenant, 'PATCH', path(created.id), { bogusProperty: 1 }),
        400,
        'BadRequest',
        /Property 'bogusProperty' does not exist/,
      );

      const compliance = (await call(tenant, 'POST', COMPLIANCE, complianceBody([block]))).body;
      expectRefusal(
        await call(tenant, 'PATCH', `${COMPLIANCE}/${compliance.id}`, {
          scheduledActionsForRule: complianceBody([block]).scheduledActionsForRule,
        }),
        400,
        'BadRequest',
        /'scheduledActionsForRule' cannot be changed by PATCH/,
      );

      const [defaultLimit] = sim.tenant(tenant).items('deviceEnrollmentConfigurations');
      expect(defaultLimit.priority).toBe(0);
      const enrollment = (id: string) => `${ENROLLMENT}/${id}`;
      expect((await call(tenant, 'PATCH', enrollment(defaultLimit.id), { limit: 3 })).status).toBe(
        204,
      );
      expect(
        sim.tenant(tenant).item('deviceEnrollmentConfigurations', defaultLimit.id),
      ).toMatchObject({ limit: 3, priority: 0 });
      expectRefusal(
        await call(tenant, 'PATCH', enrollment(defaultLimit.id), { priority: 2 }),
        400,
        'BadRequest',
        /default enrollment configuration cannot be changed/,
      );
      const other = sim.tenant(tenant).items('deviceEnrollmentConfigurations')[4];
      expectRefusal(
        await call(tenant, 'PATCH', enrollment(other.id), { priority: 0 }),
        400,
        'BadRequest',
        /Priority 0 belongs to the default/,
      );
    });

    it('PUTs a settings-catalog policy whole: its settings replace the old ones', async () => {
      const tenant = randomUUID();
      const graph = client(tenant);
      const setting = (id: string, value: number) => ({
        settingInstance: {
          '@odata.type': g('deviceManagementConfigurationSimpleSettingInstance'),
          settingDefinitionId: id,
          simpleSettingValue: {
            '@odata.type': g('deviceManagementConfigurationIntegerSettingValue'),
            value,
          },
        },
      });
      const created = await graph.create('configurationPolicies', {
        name: 'Catalog',
        platforms: 'windows10',
        technologies: 'mdm',
        settings: [setting('a', 1), setting('b', 2)],
      });
      expect(created).toMatchObject({ settingCount: 2, isAssigned: false });
      expect(created).not.toHaveProperty('settings');
      expect(await graph.listAllRelated('configurationPolicies', created.id, 'settings')).toEqual([
        { id: '0', ...setting('a', 1) },
        { id: '1', ...setting('b', 2) },
      ]);
      await graph.update('configurationPolicies', created.id, {
        name: 'Catalog v2',
        platforms: 'windows10',
        technologies: 'mdm',
        settings: [setting('c', 3)],
      });
      expect(await graph.listAllRelated('configurationPolicies', created.id, 'settings')).toEqual([
        { id: '0', ...setting('c', 3) },
      ]);
      expect(await graph.get('configurationPolicies', created.id)).toMatchObject({
        name: 'Catalog v2',
        settingCount: 1,
      });
      expectRefusal(
        await call(tenant, 'PUT', `${CATALOG}/${created.id}`, {
          name: 'x',
          platforms: 'windows10',
          settings: [],
        }),
        400,
        'BadRequest',
        "The property 'technologies' is required.",
      );
      expectRefusal(
        await call(tenant, 'PUT', `${CATALOG}/${created.id}`, {
          name: 'x',
          platforms: 'windows10',
          technologies: 'mdm',
          settings: [{ id: '0', ...setting('c', 3) }],
        }),
        400,
        'BadRequest',
        "The property 'settings[0].id' is read-only and cannot be set on a write.",
      );
    });
  });

  describe('assign', () => {
    it('replaces the whole assignment set with the list given', async () => {
      const tenant = randomUUID();
      const graph = client(tenant);
      const policy = await graph.create('configurationPolicies', {
        name: 'Assigned',
        platforms: 'windows10',
        technologies: 'mdm',
      });
      const [a, b, c] = [
        groupTarget(),
        groupTarget(),
        { '@odata.type': g('allDevicesAssignmentTarget') },
      ];
      await graph.assign('configurationPolicies', policy.id, [{ target: a }, { target: b }]);
      expect(
        (await graph.listAllRelated('configurationPolicies', policy.id, 'assignments')).map(
          (x) => x.target,
        ),
      ).toEqual([a, b]);
      expect((await graph.get('configurationPolicies', policy.id)).isAssigned).toBe(true);
      await graph.assign('configurationPolicies', policy.id, [{ target: c }]);
      expect(await graph.listAllRelated('configurationPolicies', policy.id, 'assignments')).toEqual(
        [expect.objectContaining({ id: expect.any(String), source: 'direct', target: c })],
      );
      await graph.assign('configurationPolicies', policy.id, []);
      expect(await graph.listAllRelated('configurationPolicies', policy.id, 'assignments')).toEqual(
        [],
      );
      expect((await graph.get('configurationPolicies', policy.id)).isAssigned).toBe(false);
    });

    it('refuses a missing policy (404), targets Graph does not take, and read-only assignment properties', async () => {
      const tenant = randomUUID();
      const missing = randomUUID();
      expectRefusal(
        await call(tenant, 'POST', `${DEVICE_CONFIGURATIONS}/${missing}/assign`, {
          assignments: [],
        }),
        404,
        'Request_ResourceNotFound',
        `Resource '${missing}' does not exist in deviceConfigurations.`,
      );
      const id = sim.tenant(tenant).items('deviceConfigurations')[0].id;
      const assign = (assignments: unknown[]) =>
        call(tenant, 'POST', `${DEVICE_CONFIGURATIONS}/${id}/assign`, { assignments });
      const before = sim.tenant(tenant).relatedItems('deviceConfigurations', id, 'assignments');
      for (const target of [
        { groupId: randomUUID() },
        {
          '@odata.type': g('configurationManagerCollectionAssignmentTarget'),
          collectionId: 'SMS00001',
        },
      ]) {
        expectRefusal(
          await assign([{ target }]),
          400,
          'BadRequest',
          /'assignments\[0\]\.target': expected an object whose @odata\.type is one of/,
        );
      }
      expectRefusal(
        await assign([{ target: { '@odata.type': g('groupAssignmentTarget') } }]),
        400,
        'BadRequest',
        /target\.groupId' must be the group's id/,
      );
      expectRefusal(
        await assign([{ id: 'x', target: groupTarget() }]),
        400,
        'BadRequest',
        "The property 'assignments[0].id' is read-only and cannot be set on a write.",
      );
      expectRefusal(
        await assign([{ source: 'direct', target: groupTarget() }]),
        400,
        'BadRequest',
        /'assignments\[0\]\.source' is read-only/,
      );
      expect(sim.tenant(tenant).relatedItems('deviceConfigurations', id, 'assignments')).toEqual(
        before,
      );
    });
  });

  describe('administrative templates and the definitions catalogue', () => {
    const bind = (definition: string, presentation?: string) =>
      `${DEFINITIONS}('${definition}')${presentation ? `/presentations('${presentation}')` : ''}`;

    it('reads definition values with their definition and presented values, as the contract expands them', async () => {
      const tenant = randomUUID();
      const graph = client(tenant);
      const catalogue = sim.tenant(tenant).definitions;
      const values = (
        await Promise.all(
          sim
            .tenant(tenant)
            .items('groupPolicyConfigurations')
            .map((c) =>
              graph.listAllRelated('groupPolicyConfigurations', c.id, 'definitionValues'),
            ),
        )
      ).flat();
      expect(values.length).toBeGreaterThan(10);
      for (const value of values) {
        const definition = value.definition as any;
        expect(definition).toEqual(
          expect.objectContaining({
            id: expect.any(String),
            displayName: expect.any(String),
            classType: expect.stringMatching(/^(user|machine)$/),
            categoryPath: expect.stringMatching(/^\\/),
          }),
        );
        const known = catalogue.get(definition.id)!;
        expect(known).toBeDefined();
        for (const presented of value.presentationValues as any[]) {
          expect(presented).toEqual(
            expect.objectContaining({
              '@odata.type': expect.stringMatching(
                /^#microsoft\.graph\.groupPolicyPresentationValue/,
              ),
              presentation: expect.objectContaining({
                id: expect.any(String),
                label: expect.any(String),
              }),
            }),
          );
          expect(known.presentations.map((p) => p.id)).toContain(presented.presentation.id);
        }
      }
      expect(values.some((v) => (v.presentationValues as any[]).length > 0)).toBe(true);
      // Without $expand, neither the definition nor the presentation values come.
      const plain = await call(
        tenant,
        'GET',
        `${TEMPLATES}/${sim.tenant(tenant).items('groupPolicyConfigurations')[0].id}/definitionValues`,
      );
      expect(plain.body.value[0]).not.toHaveProperty('definition');
      expect(plain.body.value[0]).not.toHaveProperty('presentationValues');
    });

    it('creates a value of a built-in definition (201) in any tenant, and 404s what this tenant does not have', async () => {
      const tenant = randomUUID();
      const other = randomUUID();
      const graph = client(tenant);
      const catalogue = sim.tenant(tenant).definitions;
      const isText = (p: SimDefinition['presentations'][number]) =>
        valueTypeFor(p) === g('groupPolicyPresentationValueText');
      const builtIn = catalogue.builtIn.find((d) => d.presentations.some(isText))!;
      const textBox = builtIn.presentations.find(isText)!;
      const configuration = await graph.create('groupPolicyConfigurations', {
        displayName: 'Template',
      });
      const body = (definition: SimDefinition, presentation = textBox.id) => ({
        enabled: true,
        'definition@odata.bind': bind(definition.id),
        presentationValues: [
          {
            '@odata.type': g('groupPolicyPresentationValueText'),
            value: 'contoso.com',
            'presentation@odata.bind': bind(definition.id, presentation),
          },
        ],
      });
      // Built-in definitions have the same ids in every tenant.
      expect(sim.tenant(other).definitions.get(builtIn.id)).toEqual(builtIn);
      const created = await graph.createRelated(
        'groupPolicyConfigurations',
        configuration.id,
        'definitionValues',
        body(builtIn),
      );
      expect(created).toEqual({
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        enabled: true,
        configurationType: 'policy',
        createdDateTime: expect.any(String),
        lastModifiedDateTime: expect.any(String),
      });
      expect(
        await graph.listAllRelated(
          'groupPolicyConfigurations',
          configuration.id,
          'definitionValues',
        ),
      ).toEqual([
        {
          ...created,
          definition: expect.objectContaining({
            id: builtIn.id,
            displayName: builtIn.displayName,
            classType: builtIn.classType,
          }),
          presentationValues: [
            {
              '@odata.type': g('groupPolicyPresentationValueText'),
              id: expect.any(String),
              value: 'contoso.com',
              createdDateTime: expect.any(String),
              lastModifiedDateTime: expect.any(String),
              presentation: expect.objectContaining({
                id: textBox.id,
                '@odata.type': textBox['@odata.type'],
              }),
            },
          ],
        },
      ]);
      // The sim's own host and v1.0 bind just as well.
      const local = await call(
        tenant,
        'POST',
        `${TEMPLATES}/${configuration.id}/definitionValues`,
        {
          enabled: false,
          'definition@odata.bind': `${sim.url}/v1.0/deviceManagement/groupPolicyDefinitions('${catalogue.custom[0].id}')`,
        },
      );
      expect(local.status).toBe(201);

      const path = `${TEMPLATES}/${configuration.id}/definitionValues`;
      const foreign = sim.tenant(other).definitions.custom[0];
      expectRefusal(
        await call(
          tenant,
          'POST',
          path,
          body(foreign, foreign.presentations[0]?.id ?? randomUUID()),
        ),
        404,
        'Request_ResourceNotFound',
        `Resource '${foreign.id}' does not exist in groupPolicyDefinitions.`,
      );
      const elsewhere = catalogue.builtIn.find(
        (d) => d.id !== builtIn.id && d.presentations.length > 0,
      )!;
      expectRefusal(
        await call(tenant, 'POST', path, body(builtIn, elsewhere.presentations[0].id)),
        404,
        'Request_ResourceNotFound',
        /does not exist in the presentations of groupPolicyDefinition/,
      );
      const missing = randomUUID();
      expectRefusal(
        await call(tenant, 'POST', `${TEMPLATES}/${missing}/definitionValues`, body(builtIn)),
        404,
        'Request_ResourceNotFound',
        `Resource '${missing}' does not exist in groupPolicyConfigurations.`,
      );
      expectRefusal(
        await call(tenant, 'POST', path, { ...body(builtIn), id: randomUUID() }),
        400,
        'BadRequest',
        /'id' is read-only/,
      );
      expectRefusal(
        await call(tenant, 'POST', path, { enabled: true }),
        400,
        'BadRequest',
        "The property 'definition@odata.bind' is required.",
      );
      expect(
        await graph.listAllRelated(
          'groupPolicyConfigurations',
          configuration.id,
          'definitionValues',
        ),
      ).toHaveLength(2);

      // The catalogue itself, as Graph serves it (beta).
      const read = await call(
        tenant,
        'GET',
        `/beta/deviceManagement/groupPolicyDefinitions/${builtIn.id}?$expand=presentations`,
      );
      expect(read.body).toMatchObject({
        id: builtIn.id,
        policyType: 'admxBacked',
        presentations: builtIn.presentations,
      });
      expect(
        (await call(tenant, 'GET', `/beta/deviceManagement/groupPolicyDefinitions/${foreign.id}`))
          .status,
      ).toBe(404);
    });
  });

  describe('the lost answer (afterWrite fault)', () => {
    it('applies the write, then answers 503: the caller sees a failure although Graph acted', async () => {
      const tenant = randomUUID();
      const before = sim.tenant(tenant).count('deviceConfigurations');
      await sim.control.schedule(tenant, {
        status: 503,
        count: 1,
        match: '/deviceManagement/deviceConfigurations',
        method: 'POST',
        afterWrite: true,
      });
      // Reads and refused writes do not use it up.
      expect((await call(tenant, 'GET', DEVICE_CONFIGURATIONS)).status).toBe(200);
      expect((await call(tenant, 'POST', DEVICE_CONFIGURATIONS, general({ id: 'x' }))).status).toBe(
        400,
      );
      const lost = await call(
        tenant,
        'POST',
        DEVICE_CONFIGURATIONS,
        general({ displayName: 'Lost answer' }),
      );
      expectRefusal(lost, 503, 'ServiceUnavailable', /after the request was carried out/);
      const written = sim
        .tenant(tenant)
        .items('deviceConfigurations')
        .filter((i) => i.displayName === 'Lost answer');
      expect(written).toHaveLength(1);
      expect(sim.tenant(tenant).count('deviceConfigurations')).toBe(before + 1);
      const again = await call(
        tenant,
        'POST',
        DEVICE_CONFIGURATIONS,
        general({ displayName: 'Answered' }),
      );
      expect(again.status).toBe(201);

      // Without afterWrite the fault answers first, and nothing is written.
      await sim.control.schedule(tenant, { status: 503, count: 1, method: 'POST' });
      const refused = await call(
        tenant,
        'POST',
        DEVICE_CONFIGURATIONS,
        general({ displayName: 'Never written' }),
      );
      expectRefusal(refused, 503, 'ServiceUnavailable', 'Injected fault: ServiceUnavailable.');
      expect(
        sim
          .tenant(tenant)
          .items('deviceConfigurations')
          .some((i) => i.displayName === 'Never written'),
      ).toBe(false);
      const statuses = (await sim.control.requests(tenant)).requests
        .filter((r) => r.method === 'POST' && r.path.includes('/deviceConfigurations'))
        .map((r) => r.status);
      expect(statuses).toEqual([400, 503, 201, 503]);
    });

    it('applies to PATCH and assign too, as a scheduled fault matching the method', async () => {
      const tenant = randomUUID();
      const [item] = sim.tenant(tenant).items('deviceConfigurations');
      await sim.control.schedule(tenant, {
        status: 503,
        count: 2,
        method: 'PATCH',
        afterWrite: true,
      });
      const answer = await call(tenant, 'PATCH', `${DEVICE_CONFIGURATIONS}/${item.id}`, {
        description: 'Applied anyway',
      });
      expect(answer.status).toBe(503);
      expect(sim.tenant(tenant).item('deviceConfigurations', item.id)?.description).toBe(
        'Applied anyway',
      );
      await sim.control.schedule(tenant, {
        status: 503,
        count: 1,
        match: '/assign',
        afterWrite: true,
      });
      const target = groupTarget();
      expect(
        (
          await call(tenant, 'POST', `${DEVICE_CONFIGURATIONS}/${item.id}/assign`, {
            assignments: [{ target }],
          })
        ).status,
      ).toBe(503);
      expect(
        sim.tenant(tenant).relatedItems('deviceConfigurations', item.id, 'assignments'),
      ).toEqual([expect.objectContaining({ target })]);
    });
  });
});
