/**
 * Graph's writes on the policy collections, refused as Graph refuses them (`sim-validate.ts`) and
 * stored as Intune stores them: server-set values added, OMA-URI strings encrypted, inline
 * navigation (compliance rules, settings) kept as the item's related collections.
 */
import { randomUUID } from 'node:crypto';
import {
  GRAPH_CONTRACTS,
  POLICY_COLLECTION_BASE_TYPES,
  propertiesOf,
  type GraphContract,
  type PolicyCollection,
} from '#libs/graph';
import {
  assignmentDefaults,
  ENROLLMENT_KINDS,
  TYPED_COLLECTIONS,
  versionValue,
  type SimItem,
} from './sim-data.js';
import { renderDefinitionValue, type StoredDefinitionValue } from './sim-definitions.js';
import { graphError, json, notFound, type GraphSimRequest, type SimResponse } from './sim-http.js';
import { encryptOmaSettings, plainValueOf, presentItem } from './sim-oma.js';
import {
  validateAssignments,
  validateDefinitionValue,
  validatePolicyWrite,
  type Refusal,
} from './sim-validate.js';

const normalize = (type: string) => (type.startsWith('#') ? type : `#${type}`);
const isRefusal = (value: object): value is Refusal => 'code' in value;

function refuse(request: GraphSimRequest, refusal: Refusal): SimResponse {
  return graphError(request, refusal.status, refusal.code, refusal.message);
}

const withIds = (items: unknown, id: (index: number) => string): SimItem[] =>
  Array.isArray(items)
    ? items.map((item: Record<string, unknown>, i) => ({ id: id(i), ...item }))
    : [];

const PLAIN_TEXT = /^getOmaSettingPlainTextValue\(secretReferenceValueId='((?:[^']|'')*)'\)$/;

export class SimWrites {
  /** `POST` a collection: 201 with the item as a read returns it. */
  create(request: GraphSimRequest, resource: PolicyCollection): SimResponse {
    const refusal = validatePolicyWrite(resource, request.body, 'create');
    if (refusal) return refuse(request, refusal);
    const {
      '@odata.type': given,
      scheduledActionsForRule,
      settings,
      ...properties
    } = request.body as Record<string, unknown>;
    const type =
      typeof given === 'string' ? normalize(given) : POLICY_COLLECTION_BASE_TYPES[resource];
    const now = new Date().toISOString();
    const item: SimItem = {
      ...(TYPED_COLLECTIONS.has(resource) ? { '@odata.type': type } : {}),
      id: randomUUID(),
      ...properties,
      createdDateTime: now,
      lastModifiedDateTime: now,
    };
    const typeProperties = propertiesOf(type);
    const version = versionValue(type, 1);
    if (version !== undefined) item.version = version;
    if (typeProperties.get('supportsScopeTags')?.readOnly) item.supportsScopeTags = true;
    if ('omaSettings' in item) item.omaSettings = encryptOmaSettings(item.omaSettings, randomUUID);
    if (
      resource === 'deviceEnrollmentConfigurations' &&
      item.deviceEnrollmentConfigurationType === undefined &&
      ENROLLMENT_KINDS[type]
    ) {
      item.deviceEnrollmentConfigurationType = ENROLLMENT_KINDS[type];
    }
    const related: Record<string, SimItem[]> = {};
    for (const name of Object.keys(contractOf(resource).related ?? {})) related[name] = [];
    if (resource === 'deviceCompliancePolicies') {
      related.scheduledActionsForRule = withIds(scheduledActionsForRule, () => randomUUID()).map(
        (rule) => ({
          ...rule,
          scheduledActionConfigurations: withIds(rule.scheduledActionConfigurations, () =>
            randomUUID(),
          ),
        }),
      );
    }
    if (resource === 'configurationPolicies') {
      related.settings = withIds(settings, String);
      item.settingCount = related.settings.length;
    }
    if (typeProperties.has('isAssigned')) item.isAssigned = false;
    request.tenant.insert(resource, item, related);
    return json(201, presentItem(item));
  }

  /** `PATCH /{id}`: the properties given, changed in place; 204. */
  update(request: GraphSimRequest, resource: PolicyCollection): SimResponse {
    const item = request.tenant.item(resource, request.params.id);
    if (!item) return notFound(request, resource);
    const refusal = validatePolicyWrite(resource, request.body, 'update', item);
    if (refusal) return refuse(request, refusal);
    const { '@odata.type': _type, ...patch } = request.body as Record<string, unknown>;
    if ('omaSettings' in patch)
      patch.omaSettings = encryptOmaSettings(patch.omaSettings, randomUUID);
    request.tenant.update(resource, item.id, patch);
    return json(204);
  }

  /** `PUT /{id}` (the settings catalog): the whole policy and its settings replaced; 204. */
  replace(request: GraphSimRequest, resource: PolicyCollection): SimResponse {
    const item = request.tenant.item(resource, request.params.id);
    if (!item) return notFound(request, resource);
    const refusal = validatePolicyWrite(resource, request.body, 'replace', item);
    if (refusal) return refuse(request, refusal);
    const {
      '@odata.type': _type,
      settings,
      ...properties
    } = request.body as Record<string, unknown>;
    const stored = withIds(settings, String);
    const next: SimItem = {
      ...(item['@odata.type'] ? { '@odata.type': item['@odata.type'] } : {}),
      id: item.id,
      ...properties,
      createdDateTime: item.createdDateTime,
      lastModifiedDateTime: new Date().toISOString(),
      isAssigned: item.isAssigned,
      settingCount: stored.length,
    };
    if ('omaSettings' in next) next.omaSettings = encryptOmaSettings(next.omaSettings, randomUUID);
    request.tenant.replace(resource, next);
    request.tenant.setRelated(resource, item.id, 'settings', stored);
    return json(204);
  }

  /** `POST /{id}/assign`: the list given replaces every assignment of the policy. */
  assign(request: GraphSimRequest, resource: PolicyCollection, property: string): SimResponse {
    const item = request.tenant.item(resource, request.params.id);
    if (!item) return notFound(request, resource);
    const refusal = validateAssignments(resource, request.body, property);
    if (refusal) return refuse(request, refusal);
    const assignments = (request.body as Record<string, unknown[]>)[property];
    const defaults = assignmentDefaults(resource);
    const now = new Date().toISOString();
    const stored = assignments.map((assignment, i) => ({
      id: `${item.id}_${i}`,
      ...defaults,
      ...('lastModifiedDateTime' in defaults ? { lastModifiedDateTime: now } : {}),
      ...(assignment as Record<string, unknown>),
    }));
    request.tenant.setRelated(resource, item.id, 'assignments', stored);
    if ('isAssigned' in item) item.isAssigned = stored.length > 0;
    return json(200, { value: stored });
  }

  /**
   * `POST …/groupPolicyConfigurations/{id}/definitionValues`: a value of a definition of this
   * tenant's catalogue, with presentation values of that definition's presentations; 201.
   */
  createDefinitionValue(request: GraphSimRequest): SimResponse {
    const resource = 'groupPolicyConfigurations';
    const tenant = request.tenant;
    const configuration = tenant.item(resource, request.params.id);
    if (!configuration) return notFound(request, resource);
    const binds = validateDefinitionValue(request.body);
    if (isRefusal(binds)) return refuse(request, binds);
    const definition = tenant.definitions.get(binds.definitionId);
    if (!definition) return notFound(request, 'groupPolicyDefinitions', binds.definitionId);
    for (const bound of binds.presentations) {
      const known =
        bound.definitionId === definition.id &&
        definition.presentations.some((p) => p.id === bound.presentationId);
      if (!known) {
        return notFound(
          request,
          `the presentations of groupPolicyDefinition '${definition.id}'`,
          bound.presentationId,
        );
      }
    }
    const body = request.body as Record<string, unknown>;
    const now = new Date().toISOString();
    const given = Array.isArray(body.presentationValues) ? body.presentationValues : [];
    const stored: StoredDefinitionValue = {
      id: randomUUID(),
      enabled: typeof body.enabled === 'boolean' ? body.enabled : false,
      configurationType:
        typeof body.configurationType === 'string' ? body.configurationType : 'policy',
      createdDateTime: now,
      lastModifiedDateTime: now,
      definitionId: definition.id,
      presentationValues: given.map((value: Record<string, unknown>, i) => {
        const { 'presentation@odata.bind': _bind, ...own } = value;
        return {
          ...own,
          id: randomUUID(),
          createdDateTime: now,
          lastModifiedDateTime: now,
          presentationId: binds.presentations[i].presentationId,
        };
      }),
    };
    tenant
      .relatedItems(resource, configuration.id, 'definitionValues')
      .push(stored as unknown as SimItem);
    return json(201, renderDefinitionValue(stored, tenant.definitions, new Map()));
  }

  /** `GET /{id}/getOmaSettingPlainTextValue(secretReferenceValueId='…')`: `{ value }`. */
  plainTextValue(request: GraphSimRequest): SimResponse {
    const resource = 'deviceConfigurations';
    const match = PLAIN_TEXT.exec(request.params.function);
    if (!match) {
      return graphError(
        request,
        400,
        'BadRequest',
        `Resource not found for the segment '${request.params.function}'.`,
      );
    }
    const item = request.tenant.item(resource, request.params.id);
    if (!item) return notFound(request, resource);
    const reference = match[1].replace(/''/g, "'");
    const value = plainValueOf(item.omaSettings, reference);
    if (value === undefined) {
      return notFound(request, `the OMA settings of '${item.id}'`, reference);
    }
    return json(200, {
      '@odata.context': `${request.url.origin}/${request.url.pathname.split('/')[1]}/$metadata#Edm.String`,
      value,
    });
  }
}

function contractOf(resource: PolicyCollection): GraphContract {
  return GRAPH_CONTRACTS[resource];
}
