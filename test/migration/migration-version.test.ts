import { compareMigrationVersions, parseGvtMigrationVersion } from '../../src/core/migration/migration-version';

const SOURCE = '8086-591d-i915-GVTg_V5_8-00000001';

describe('migration_version strings compared offline', () => {
  test('GIVEN a GVT string WHEN parsed THEN its four fields come out, the type may hold dashes', () => {
    expect(parseGvtMigrationVersion(SOURCE)).toEqual({ vendor: '8086', device: '591d', type: 'i915-GVTg_V5_8', version: '00000001' });
    expect(parseGvtMigrationVersion('nvidia-535.104.05')).toBeNull();
  });

  test.each([
    ['vendor', '8087-591d-i915-GVTg_V5_8-00000001'],
    ['device', '8086-5912-i915-GVTg_V5_8-00000001'],
    ['type', '8086-591d-i915-GVTg_V5_4-00000001'],
    ['version', '8086-591d-i915-GVTg_V5_8-00000002'],
  ])('GIVEN GVT strings that differ in the %s WHEN compared THEN incompatible, naming that field alone', (field, target) => {
    expect(compareMigrationVersions(SOURCE, target)).toEqual({ compatible: false, format: 'gvt', differing: [field] });
  });

  test('GIVEN GVT strings differing in every field WHEN compared THEN all four are named', () => {
    expect(compareMigrationVersions(SOURCE, '10de-1e30-i915-GVTg_V5_4-00000002')).toEqual({ compatible: false, format: 'gvt', differing: ['vendor', 'device', 'type', 'version'] });
  });

  test('GIVEN GVT strings differing only in the case of hex digits WHEN compared THEN compatible (%x prints numbers)', () => {
    expect(compareMigrationVersions('8086-591D-i915-GVTg_V5_8-0000000A', '8086-591d-i915-GVTg_V5_8-0000000a')).toEqual({ compatible: true, format: 'gvt' });
  });

  test('GIVEN strings of another vendor WHEN compared THEN only the exact same text is compatible', () => {
    expect(compareMigrationVersions('vendor-x-v1', 'vendor-x-v1')).toEqual({ compatible: true, format: 'opaque' });
    expect(compareMigrationVersions('vendor-x-v1', 'vendor-x-V1')).toEqual({ compatible: false, format: 'opaque' });
    expect(compareMigrationVersions(SOURCE, 'vendor-x-v1')).toEqual({ compatible: false, format: 'opaque' });
  });
});
