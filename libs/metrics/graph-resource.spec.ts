import { graphResourceLabel } from './graph-resource.js';

describe('graphResourceLabel', () => {
  it('keeps the resource path and replaces every id by {id}', () => {
    const id = '0190f7a2-1c2d-7e3f-8a9b-0c1d2e3f4a5b';
    expect(
      graphResourceLabel(
        `https://graph.microsoft.com/beta/deviceManagement/configurationPolicies/${id}/settings?$top=100`,
      ),
    ).toBe('beta/deviceManagement/configurationPolicies/{id}/settings');
    expect(
      graphResourceLabel(
        `https://graph.example/beta/deviceManagement/deviceEnrollmentConfigurations/${id}_DefaultWindows10EnrollmentCompletionPageConfiguration`,
      ),
    ).toBe('beta/deviceManagement/deviceEnrollmentConfigurations/{id}');
    expect(graphResourceLabel('https://graph.example/v1.0/groups/delta?$deltatoken=abc')).toBe(
      'v1.0/groups/delta',
    );
    expect(graphResourceLabel('https://graph.example/v1.0/roles/12345')).toBe('v1.0/roles/{id}');
    expect(graphResourceLabel('not a url')).toBe('invalid');
  });
});
