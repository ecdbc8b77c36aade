// The emulator's state files survive crashes and refuse damage: written atomically and durably
// (unique temp name, fsync of file and directory, rename), one emulator per state dir, and a
// damaged file (an empty emulator.json, a truncated artifact-registry.json) refused with an
// error naming it, a copy kept beside it, never a raw SyntaxError.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ArtifactRepositories } from '../../../src/emulator/artifact-registry';
import { writeFileDurably } from '../../../src/emulator/store/durable-file';
import { emulator, tempStateDir } from '../../helpers/emulator';

const damagedCopies = (dir: string, name: string) =>
  fs.readdirSync(dir).filter((f) => f.startsWith(`${name}.damaged-`));

void test('an empty emulator.json is refused with an error naming it, and a copy is kept', async () => {
  const stateDir = tempStateDir();
  const file = path.join(stateDir, 'emulator.json');
  fs.writeFileSync(file, '');
  await assert.rejects(emulator({ stateDir }), (e: Error) => {
    assert.equal(e.name, 'EmulatorStateError');
    assert.ok(e.message.includes(file), e.message);
    assert.match(e.message, /empty/);
    return true;
  });
  assert.equal(damagedCopies(stateDir, 'emulator.json').length, 1, 'a copy is kept');
  assert.equal(fs.readFileSync(file, 'utf8'), '', 'the file itself is left as it was');
});

void test('a truncated artifact-registry.json is refused with an EmulatorStateError naming it, not a SyntaxError', async () => {
  const stateDir = tempStateDir();
  const dir = path.join(stateDir, 'artifact-registry');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'artifact-registry.json');
  fs.writeFileSync(file, '{"repositories": [{"name": "projects/p/locations/asia/repos');
  await assert.rejects(emulator({ stateDir }), (e: Error) => {
    assert.equal(e.name, 'EmulatorStateError');
    assert.ok(e.message.includes(file), e.message);
    return true;
  });
  assert.equal(damagedCopies(dir, 'artifact-registry.json').length, 1);
  // …and the state dir is free again for an emulator once the file is fixed.
  fs.writeFileSync(file, '{"repositories": []}');
  const emu = await emulator({ stateDir });
  await emu.stop();
});

void test('a second emulator on the same state dir is refused while the first runs', async () => {
  const stateDir = tempStateDir();
  const first = await emulator({ stateDir });
  try {
    await assert.rejects(emulator({ stateDir }), (e: Error) => {
      assert.equal(e.name, 'EmulatorStateError');
      assert.match(e.message, /in use by another emulator/);
      assert.ok(e.message.includes(String(process.pid)), e.message);
      return true;
    });
  } finally {
    await first.stop();
  }
  const again = await emulator({ stateDir });
  await again.stop();
});

void test('state writes use a unique temp file, fsync file and directory, and leave no temp file', () => {
  const dir = tempStateDir();
  // The fixed temp name an earlier writer used, left as a directory: it must not be in the way.
  fs.mkdirSync(path.join(dir, 'artifact-registry.json.tmp'));
  const repos = new ArtifactRepositories(dir);
  const synced: number[] = [];
  const realFsync = fs.fsyncSync;
  fs.fsyncSync = (fd: number) => {
    synced.push(fd);
    realFsync(fd);
  };
  try {
    repos.create('projects/p/locations/asia', 'apps', {});
    writeFileDurably(path.join(dir, 'other.json'), '{}');
  } finally {
    fs.fsyncSync = realFsync;
  }
  assert.ok(synced.length >= 4, `file and directory synced for each write (${synced.length} fsyncs)`);
  assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'artifact-registry.json'), 'utf8')).repositories.length, 1);
  assert.deepEqual(
    fs.readdirSync(dir).filter((f) => f.includes('.tmp-')),
    [],
    'no temp file left',
  );
  assert.equal(new ArtifactRepositories(dir).list('projects/p/locations/asia').length, 1, 'read back after a restart');
});
