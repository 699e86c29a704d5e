import { contentHash, normalizeContent } from './policy-content.js';
import { SECRET_MARK, type CapturedSecret } from './policy-secrets.js';
import { PolicyWriteError, PolicyWriteErrorCode, PolicyWrites } from './policy-writes.js';

const sealed = (plain: string): CapturedSecret => ({
  [SECRET_MARK]: { sealed: Buffer.from(plain).toString('base64'), digest: `d:${plain}` },
});
// The test's "cipher": the sealed text is the plain one, base64; a missing secret is null.
const writes = new PolicyWrites((secret) => {
  const inner = secret[SECRET_MARK];
  return inner ? Buffer.from(inner.sealed, 'base64').toString() : null;
});

const custom = (value: unknown) => ({
  properties: {
    '@odata.type': '#microsoft.graph.windows10CustomConfiguration',
    id: 'p1',
    displayName: 'Custom',
    version: 3,
    createdDateTime: '2026-01-01T00:00:00Z',
    lastModifiedDateTime: '2026-01-02T00:00:00Z',
    supportsScopeTags: true,
    '@odata.context': 'https://graph/…',
    omaSettings: [
      {
        '@odata.type': '#microsoft.graph.omaSettingString',
        displayName: 'Wi-Fi key',
        omaUri: './Device/Vendor/MSFT/WiFi/Profile/Key',
        isEncrypted: true,
        secretReferenceValueId: 'ref-1',
        value,
      },
    ],
  },
});

describe('PolicyWrites', () => {
  it('drops read-only, server-set and annotation properties at every depth, keeping @odata.type', () => {
    const { body, related } = writes.create(
      'device_configuration',
      custom(sealed('k3y')),
      'Custom',
    );
    expect(body).toEqual({
      '@odata.type': '#microsoft.graph.windows10CustomConfiguration',
      displayName: 'Custom',
      omaSettings: [
        {
          '@odata.type': '#microsoft.graph.omaSettingString',
          displayName: 'Wi-Fi key',
          omaUri: './Device/Vendor/MSFT/WiFi/Profile/Key',
          value: 'k3y',
        },
      ],
    });
    expect(related).toEqual([]);
  });

  it('refuses a secret that was not captured, naming the setting', () => {
    const missing = { [SECRET_MARK]: null };
    const attempt = () => writes.create('device_configuration', custom(missing), 'Custom');
    expect(attempt).toThrow(PolicyWriteError);
    expect(attempt).toThrow(/"\.\/Device\/Vendor\/MSFT\/WiFi\/Profile\/Key" of "Custom"/);
    try {
      attempt();
    } catch (error) {
      expect((error as PolicyWriteError).code).toBe(PolicyWriteErrorCode.SecretNotCaptured);
    }
  });

  it('gives a compliance policy its block action when the capture lacked it, and none on update', () => {
    const content = {
      properties: {
        '@odata.type': '#microsoft.graph.windows10CompliancePolicy',
        displayName: 'Compliance',
        passwordRequired: true,
      },
    };
    const created = writes.create('compliance_policy', content, 'Compliance').body as Record<
      string,
      unknown
    >;
    expect(created.scheduledActionsForRule).toEqual([
      {
        ruleName: 'PasswordRequired',
        scheduledActionConfigurations: [
          { actionType: 'block', gracePeriodHours: 0, notificationMessageCCList: [] },
        ],
      },
    ]);
    const withRules = {
      properties: {
        ...content.properties,
        scheduledActionsForRule: [
          {
            id: 'r1',
            ruleName: 'PasswordRequired',
            scheduledActionConfigurations: [
              { id: 'a1', actionType: 'block', gracePeriodHours: 12 },
              { id: 'a2', actionType: 'notification', gracePeriodHours: 24 },
            ],
          },
        ],
      },
    };
    expect(
      (writes.create('compliance_policy', withRules, 'Compliance').body as Record<string, unknown>)
        .scheduledActionsForRule,
    ).toEqual([
      {
        ruleName: 'PasswordRequired',
        scheduledActionConfigurations: [
          { actionType: 'block', gracePeriodHours: 12 },
          { actionType: 'notification', gracePeriodHours: 24 },
        ],
      },
    ]);
    expect(writes.update('compliance_policy', withRules, 'Compliance').body).not.toHaveProperty(
      'scheduledActionsForRule',
    );
  });

  it("binds an administrative template's values to the definitions and presentations by id", () => {
    const { body, related } = writes.create(
      'administrative_template',
      {
        properties: { id: 'g1', displayName: 'ADMX', createdDateTime: '2026-01-01T00:00:00Z' },
        definitionValues: [
          {
            id: 'v1',
            enabled: true,
            configurationType: 'policy',
            definition: { id: 'def-1', displayName: 'Setting' },
            presentationValues: [
              {
                id: 'pv1',
                '@odata.type': '#microsoft.graph.groupPolicyPresentationValueText',
                value: 'hello',
                presentation: { id: 'pres-1' },
              },
            ],
          },
        ],
      },
      'ADMX',
    );
    expect(body).toEqual({ displayName: 'ADMX' });
    const definition =
      "https://graph.microsoft.com/beta/deviceManagement/groupPolicyDefinitions('def-1')";
    expect(related).toEqual([
      {
        related: 'definitionValues',
        body: {
          enabled: true,
          configurationType: 'policy',
          'definition@odata.bind': definition,
          presentationValues: [
            {
              '@odata.type': '#microsoft.graph.groupPolicyPresentationValueText',
              value: 'hello',
              'presentation@odata.bind': `${definition}/presentations('pres-1')`,
            },
          ],
        },
      },
    ]);
  });

  it('puts a settings catalog policy whole, with its settings, and never creates a default enrollment', () => {
    const catalog = writes.update(
      'settings_catalog',
      {
        properties: {
          id: 's',
          name: 'Catalog',
          platforms: 'windows10',
          technologies: 'mdm',
          isAssigned: true,
        },
        settings: [
          {
            id: '0',
            settingInstance: {
              '@odata.type': '#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance',
              settingDefinitionId: 'x',
            },
          },
        ],
      },
      'Catalog',
    ).body as Record<string, unknown>;
    expect(catalog).toEqual({
      name: 'Catalog',
      platforms: 'windows10',
      technologies: 'mdm',
      settings: [
        {
          settingInstance: {
            '@odata.type': '#microsoft.graph.deviceManagementConfigurationSimpleSettingInstance',
            settingDefinitionId: 'x',
          },
        },
      ],
    });
    const defaults = {
      properties: {
        '@odata.type': '#microsoft.graph.deviceEnrollmentLimitConfiguration',
        displayName: 'All users and all devices',
        priority: 0,
        limit: 5,
      },
    };
    expect(() => writes.create('enrollment_configuration', defaults, 'Default')).toThrow(
      expect.objectContaining({ code: PolicyWriteErrorCode.DefaultNotCreatable }),
    );
    expect(writes.update('enrollment_configuration', defaults, 'Default').body).toEqual({
      '@odata.type': '#microsoft.graph.deviceEnrollmentLimitConfiguration',
      displayName: 'All users and all devices',
      limit: 5,
    });
  });
});

describe('content hash', () => {
  it('ignores read-only properties and compares captured secrets by their digest only', () => {
    const a = custom(sealed('k3y'));
    const b = custom({ [SECRET_MARK]: { sealed: 'other-ciphertext', digest: 'd:k3y' } });
    expect(contentHash(a)).toBe(contentHash(b));
    expect(contentHash(a)).not.toBe(contentHash(custom(sealed('other'))));
    const normalized = JSON.stringify(normalizeContent(a));
    expect(normalized).not.toContain('secretReferenceValueId');
    expect(normalized).not.toContain('isEncrypted');
    expect(normalized).not.toContain('supportsScopeTags');
  });
});
