/**
 * Custom (OMA-URI) settings, as Intune keeps them: every `omaSettingString` value is stored
 * encrypted — a read shows `isEncrypted: true`, the `secretReferenceValueId` the service gave it
 * and a masked value; the plain value comes only from `getOmaSettingPlainTextValue`.
 */
import type { Prng } from './prng.js';

export const OMA_STRING = '#microsoft.graph.omaSettingString';
const OMA_INTEGER = '#microsoft.graph.omaSettingInteger';
const OMA_BOOLEAN = '#microsoft.graph.omaSettingBoolean';
/** What a read shows in place of an encrypted value. */
export const MASKED_VALUE = '****';

type OmaSetting = Record<string, unknown>;

const AREAS = ['Browser', 'DeviceLock', 'Defender', 'Update', 'Experience', 'Privacy', 'WiFi'];

const isString = (setting: OmaSetting) =>
  setting['@odata.type'] === OMA_STRING || setting['@odata.type'] === OMA_STRING.slice(1);

/** 1–4 custom settings, the first a string (a value Intune encrypts), as plain values. */
export function generateOmaSettings(prng: Prng): OmaSetting[] {
  return Array.from({ length: prng.integer(1, 4) }, (_, i) => {
    const area = prng.pick(AREAS);
    const name = `Setting${prng.integer(1, 99)}`;
    const kind = i === 0 ? 0 : prng.integer(0, 2);
    const base = {
      displayName: `${area} ${name}`,
      description: `Custom ${area.toLowerCase()} setting`,
      omaUri: `./Device/Vendor/MSFT/Policy/Config/${area}/${name}`,
    };
    if (kind === 0) {
      const secret = `${prng.pick(['wifi-key', 'api-token', 'proxy-pass'])}-${prng.uuid().slice(0, 8)}`;
      return { '@odata.type': OMA_STRING, ...base, value: secret };
    }
    if (kind === 1) {
      return {
        '@odata.type': OMA_INTEGER,
        ...base,
        isReadOnly: false,
        value: prng.integer(0, 10),
      };
    }
    return { '@odata.type': OMA_BOOLEAN, ...base, value: prng.next() < 0.5 };
  });
}

/**
 * The settings as stored: each string value encrypted under a new secret reference (the plain
 * value kept, for the plain-text function), the others marked not encrypted.
 */
export function encryptOmaSettings(settings: unknown, newReference: () => string): unknown {
  if (!Array.isArray(settings)) return settings;
  return settings.map((setting: OmaSetting) =>
    isString(setting)
      ? { ...setting, isEncrypted: true, secretReferenceValueId: newReference() }
      : { ...setting, isEncrypted: false, secretReferenceValueId: null },
  );
}

/** The settings as a read shows them: encrypted values masked. */
export function maskOmaSettings(settings: unknown): unknown {
  if (!Array.isArray(settings)) return settings;
  return settings.map((setting: OmaSetting) =>
    setting.isEncrypted === true ? { ...setting, value: MASKED_VALUE } : setting,
  );
}

/** The plain value stored under a secret reference, or undefined. */
export function plainValueOf(settings: unknown, reference: string): string | undefined {
  if (!Array.isArray(settings)) return undefined;
  const found = settings.find(
    (setting: OmaSetting) =>
      setting.isEncrypted === true && setting.secretReferenceValueId === reference,
  ) as OmaSetting | undefined;
  return typeof found?.value === 'string' ? found.value : undefined;
}

/** A policy as a read shows it: its encrypted custom values masked (the same object otherwise). */
export function presentItem<T extends Record<string, unknown>>(item: T): T {
  return Array.isArray(item.omaSettings)
    ? { ...item, omaSettings: maskOmaSettings(item.omaSettings) }
    : item;
}
