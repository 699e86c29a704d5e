import {
  POLICY_COLLECTION_BASE_TYPES,
  propertiesOf,
  type GraphItem,
  type PolicyCollection,
  type PolicyWriteBody,
} from '#libs/graph';
import { contentHash, type PolicyContent } from './policy-content.js';
import { isCapturedSecret, type CapturedSecret } from './policy-secrets.js';
import { POLICY_TYPES, type PolicyType } from './policy-types.js';

/** Why a captured policy cannot be written back as it is. */
export enum PolicyWriteErrorCode {
  /** An encrypted custom (OMA-URI) value that Graph would not give at capture. */
  SecretNotCaptured = 'policy.secret_not_captured',
  /** A default enrollment configuration (priority 0): Intune has one, it cannot be created. */
  DefaultNotCreatable = 'policy.default_not_creatable',
}

export class PolicyWriteError extends Error {
  constructor(
    readonly code: PolicyWriteErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'PolicyWriteError';
  }
}

/** What writing one policy takes: the item's body, then its related items, in this order. */
export interface PolicyWrite<C extends PolicyCollection = PolicyCollection> {
  body: PolicyWriteBody<C, InlineNavigation>;
  /** Written one by one after the item (an administrative template's definition values). */
  related: { related: 'definitionValues'; body: Record<string, unknown> }[];
}

/** Navigation properties Graph takes inline in a create body. */
type InlineNavigation = 'scheduledActionsForRule' | 'settings';
type ComplianceWrite = PolicyWriteBody<'deviceCompliancePolicies', 'scheduledActionsForRule'>;
type SettingsCatalogWrite = PolicyWriteBody<'configurationPolicies', 'settings'>;

/** Opens a captured secret (bound to the tenant it was captured from); null: not captured. */
export type SecretOpener = (secret: CapturedSecret) => string | null;

const GRAPH_BETA = 'https://graph.microsoft.com/beta';
const ANNOTATION = /@odata\./;

/**
 * A captured value as a write may carry it: `@odata.type` kept, every other annotation, read-only
 * or server-set property (ids, timestamps, versions, secret references…), unknown property and
 * navigation property not in `inline` (nor inside one) dropped — at every depth, by the properties Microsoft's
 * definitions give the value's own `@odata.type` (or the declared type). A captured secret is
 * opened, naming its setting (`omaUri`) when it cannot be.
 */
function writable(
  value: unknown,
  declaredType: string | undefined,
  context: WriteContext,
  inline: readonly string[] | 'all' = [],
): unknown {
  if (Array.isArray(value)) {
    return value.map((item) => writable(item, declaredType, context, inline));
  }
  if (typeof value !== 'object' || value === null || !declaredType) return value;
  const record = value as Record<string, unknown>;
  const type = typeof record['@odata.type'] === 'string' ? record['@odata.type'] : declaredType;
  const properties = propertiesOf(type);
  const result: Record<string, unknown> = {};
  if (record['@odata.type'] !== undefined) result['@odata.type'] = record['@odata.type'];
  for (const [name, inner] of Object.entries(record)) {
    if (ANNOTATION.test(name)) continue;
    const property = properties.get(name);
    if (!property || property.readOnly) continue;
    const inlined = property.navigation && (inline === 'all' || inline.includes(name));
    if (property.navigation && !inlined) continue;
    // An entity written inline carries its own related entities inline too.
    result[name] = isCapturedSecret(inner)
      ? context.openSecret(inner, String(record.omaUri ?? record.displayName ?? name))
      : writable(inner, property.type, context, inlined ? 'all' : []);
  }
  return result;
}

interface WriteContext {
  policy: string;
  /** What a captured secret becomes: its plain value in a write, itself in the hash view. */
  openSecret(secret: CapturedSecret, setting: string): unknown;
}

/** A compliance policy needs exactly one block action, which a read does not always show. */
function withBlockAction(rules: unknown): ComplianceWrite['scheduledActionsForRule'] {
  const list = (Array.isArray(rules) ? rules : []) as Record<string, unknown>[];
  const block = { actionType: 'block', gracePeriodHours: 0, notificationMessageCCList: [] };
  if (list.length === 0) {
    return [{ ruleName: 'PasswordRequired', scheduledActionConfigurations: [block] }] as never;
  }
  const [first, ...rest] = list;
  const actions = (first!.scheduledActionConfigurations ?? []) as Record<string, unknown>[];
  const hasBlock = actions.some((action) => action.actionType === 'block');
  return [
    { ...first, scheduledActionConfigurations: hasBlock ? actions : [...actions, block] },
    ...rest,
  ] as never;
}

/** `definition@odata.bind` / `presentation@odata.bind`: a definition value points at the catalogue. */
function definitionValueBody(value: GraphItem, context: WriteContext): Record<string, unknown> {
  const definition = value.definition as { id?: string } | undefined;
  if (!definition?.id) {
    throw new Error(
      `A definition value of "${context.policy}" was captured without its definition.`,
    );
  }
  const definitionUrl = `${GRAPH_BETA}/deviceManagement/groupPolicyDefinitions('${definition.id}')`;
  const presentationValues = ((value.presentationValues ?? []) as GraphItem[]).map(
    (presentation) => {
      const body = writable(
        presentation,
        '#microsoft.graph.groupPolicyPresentationValue',
        context,
      ) as Record<string, unknown>;
      const presentationId = (presentation.presentation as { id?: string } | undefined)?.id;
      if (presentationId) {
        body['presentation@odata.bind'] = `${definitionUrl}/presentations('${presentationId}')`;
      }
      return body;
    },
  );
  const body = writable(value, '#microsoft.graph.groupPolicyDefinitionValue', context) as Record<
    string,
    unknown
  >;
  return { ...body, 'definition@odata.bind': definitionUrl, presentationValues };
}

/**
 * How a captured policy is written to a tenant, one place per policy type: the create body (and
 * what follows it), and the update body (`PATCH` of the item's own properties, or for the settings
 * catalog `PUT` of the whole policy with its settings). Read-only and server-set properties are
 * dropped, a compliance policy gets the block action Graph requires, an administrative template's
 * values are bound to the target's definitions, and encrypted OMA-URI values are written in the
 * clear (as captured) — or refused, naming the setting, when they were not captured.
 */
export class PolicyWrites {
  constructor(private readonly openSecret: SecretOpener) {}

  create(type: PolicyType, content: PolicyContent, displayName: string): PolicyWrite {
    if (type === 'enrollment_configuration' && !content.properties.priority) {
      throw new PolicyWriteError(
        PolicyWriteErrorCode.DefaultNotCreatable,
        `"${displayName}" is a default enrollment configuration: it can only be updated.`,
      );
    }
    return this.write(type, content, displayName, 'create');
  }

  update(type: PolicyType, content: PolicyContent, displayName: string): PolicyWrite {
    return this.write(type, content, displayName, 'update');
  }

  private write(
    type: PolicyType,
    content: PolicyContent,
    displayName: string,
    mode: 'create' | 'update',
  ): PolicyWrite {
    const collection = POLICY_TYPES[type].resource as PolicyCollection;
    const context: WriteContext = {
      policy: displayName,
      openSecret: (secret, setting) => {
        const plain = this.openSecret(secret);
        if (plain !== null) return plain;
        throw new PolicyWriteError(
          PolicyWriteErrorCode.SecretNotCaptured,
          `The encrypted value of setting "${setting}" of "${displayName}" was not captured: write it by hand.`,
        );
      },
    };
    const baseType = POLICY_COLLECTION_BASE_TYPES[collection];
    // Settings go beside the properties (below); scheduled actions only inline in a create.
    const inline: InlineNavigation[] =
      type === 'compliance_policy' && mode === 'create' ? ['scheduledActionsForRule'] : [];
    const body = writable(content.properties, baseType, context, inline) as Record<string, unknown>;
    if (type === 'compliance_policy' && mode === 'create') {
      body.scheduledActionsForRule = withBlockAction(body.scheduledActionsForRule);
    }
    if (type === 'settings_catalog') {
      (body as SettingsCatalogWrite).settings = writable(
        content.settings ?? [],
        '#microsoft.graph.deviceManagementConfigurationSetting',
        context,
      ) as never;
    }
    if (type === 'enrollment_configuration' && mode === 'update') delete body.priority;
    const related =
      type === 'administrative_template' && mode === 'create'
        ? (content.definitionValues ?? []).map((value) => ({
            related: 'definitionValues' as const,
            body: definitionValueBody(value, context),
          }))
        : [];
    return { body: body as PolicyWrite['body'], related };
  }
}

/**
 * The part of a captured policy that a write carries — what its content hash is taken over, so
 * that a policy written from its capture hashes as the capture did, whatever Intune adds that a
 * write cannot set (read-only, server-computed, unknown to Microsoft's definitions). Captured
 * secrets stay sealed here; the hash compares them by digest.
 */
export function writableView(type: PolicyType, content: PolicyContent): PolicyContent {
  const context: WriteContext = { policy: '', openSecret: (secret) => secret };
  const collection = POLICY_TYPES[type].resource as PolicyCollection;
  const inline = type === 'compliance_policy' ? ['scheduledActionsForRule'] : [];
  const view: PolicyContent = {
    properties: writable(
      content.properties,
      POLICY_COLLECTION_BASE_TYPES[collection],
      context,
      inline,
    ) as Record<string, unknown>,
  };
  if (content.settings) {
    view.settings = writable(
      content.settings,
      '#microsoft.graph.deviceManagementConfigurationSetting',
      context,
    ) as GraphItem[];
  }
  if (content.definitionValues) {
    // The definition and presentation each value answers are part of what it sets.
    view.definitionValues = writable(
      content.definitionValues,
      '#microsoft.graph.groupPolicyDefinitionValue',
      context,
      'all',
    ) as GraphItem[];
  }
  return view;
}

/**
 * A policy's content hash: over what a write carries ({@link writableView}) and its assignments —
 * for a capture, and for what a restore expects a policy to hash once written.
 */
export function policyHash(type: PolicyType, content: PolicyContent, assignments: unknown): string {
  return contentHash({ content: writableView(type, content), assignments });
}
