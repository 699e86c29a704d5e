import fc from 'fast-check';
import { canonicalJson, contentHash, normalizeContent } from './policy-content.js';
import { describeWithMarker, parseRestoreMarker, restoreMarker } from './restore-marker.js';

describe('policy content normalisation', () => {
  it('drops ids, timestamps and version noise at every depth', () => {
    expect(
      normalizeContent({
        id: 'a',
        version: 3,
        displayName: 'P',
        lastModifiedDateTime: '2025-01-01T00:00:00Z',
        '@odata.context': 'x',
        '@odata.type': '#microsoft.graph.windows10GeneralConfiguration',
        settings: [{ id: '0', value: 1, createdDateTime: 'y' }],
      }),
    ).toEqual({
      displayName: 'P',
      '@odata.type': '#microsoft.graph.windows10GeneralConfiguration',
      settings: [{ value: 1 }],
    });
  });

  it('hashes equal for contents that differ only by noise, key order or array order', () => {
    const json = fc.jsonValue();
    fc.assert(
      fc.property(fc.array(json, { maxLength: 6 }), json, fc.string(), (list, value, id) => {
        const a = { list, value, id: 'one', version: 1 };
        const b = { value, list: [...list].reverse(), id, version: 2 };
        expect(contentHash(a)).toBe(contentHash(b));
      }),
    );
  });

  it('is idempotent and changes the hash when a meaningful value changes', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const once = normalizeContent(value);
        expect(canonicalJson(normalizeContent(once))).toBe(canonicalJson(once));
      }),
    );
    expect(contentHash({ description: 'a' })).not.toBe(contentHash({ description: 'b' }));
  });
});

describe('the restore marker', () => {
  const runId = '0190f7a2-1234-7abc-8def-0123456789ab';

  it('is left out of the hash, whatever the description was', () => {
    for (const description of ['Baseline for kiosks', '', null, 'two\nlines']) {
      const restored = { displayName: 'P', description: describeWithMarker(description, runId, 7) };
      expect(contentHash(restored)).toBe(contentHash({ displayName: 'P', description }));
      expect(parseRestoreMarker(restored.description)).toEqual({ restoreRunId: runId, item: 7 });
    }
  });

  it('is only a marker at the end of a description, on its own line', () => {
    const text = `see ${restoreMarker(runId, 1)} here`;
    expect(parseRestoreMarker(text)).toBeNull();
    expect(contentHash({ description: text })).not.toBe(contentHash({ description: 'see  here' }));
    expect(parseRestoreMarker(`x${restoreMarker(runId, 1)}`)).toBeNull();
  });
});
