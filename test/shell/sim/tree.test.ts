import { Errno, SimTree } from '../../../src/shell/sim/tree';

const file = (text: string) => ({ kind: 'file' as const, read: () => text });

describe('SimTree resolution', () => {
  test('GIVEN links to directories and files WHEN resolved THEN the canonical path of the target', () => {
    const tree = new SimTree();
    tree.put('/sys/devices/p/attr', file('1\n'));
    tree.put('/sys/class/bus/p', { kind: 'link', target: '/sys/devices/p' });
    tree.put('/sys/devices/p/alias', { kind: 'link', target: '/sys/devices/p/attr' });
    expect(tree.resolve('/sys/class/bus/p/attr')?.real).toBe('/sys/devices/p/attr');
    expect(tree.resolve('/sys/class/bus/p/alias')?.real).toBe('/sys/devices/p/attr');
    expect(tree.resolve('/sys/class/bus/p/../p/./attr')?.real).toBe('/sys/devices/p/attr');
    expect(tree.resolve('/../../sys')?.real).toBe('/sys');
  });

  test('GIVEN a file in the middle of a path or a missing name WHEN resolved THEN null', () => {
    const tree = new SimTree();
    tree.put('/a/file', file('x'));
    tree.put('/a/link-to-file', { kind: 'link', target: '/a/file' });
    tree.put('/a/dangling', { kind: 'link', target: '/nowhere' });
    expect(tree.resolve('/a/file/more')).toBeNull();
    expect(tree.resolve('/a/link-to-file/more')).toBeNull();
    expect(tree.resolve('/a/dangling')).toBeNull();
    expect(tree.resolve('/a/missing')).toBeNull();
  });

  test('GIVEN a cycle of links WHEN resolved THEN ELOOP', () => {
    const tree = new SimTree();
    tree.put('/a/x', { kind: 'link', target: '/a/y' });
    tree.put('/a/y', { kind: 'link', target: '/a/x' });
    expect(() => tree.resolve('/a/x')).toThrow(Errno);
    expect(() => tree.resolve('/a/x')).toThrow('ELOOP');
  });

  test('GIVEN a node WHEN removed THEN it is gone and its siblings stay; removing through a link removes the link target\'s child', () => {
    const tree = new SimTree();
    tree.put('/d/a', file('a'));
    tree.put('/d/b', file('b'));
    tree.put('/l', { kind: 'link', target: '/d' });
    tree.remove('/l/a');
    expect(tree.resolve('/d/a')).toBeNull();
    expect(tree.resolve('/d/b')).not.toBeNull();
    tree.remove('/l');
    expect(tree.resolve('/l')).toBeNull();
    expect(tree.resolve('/d/b')).not.toBeNull();
  });
});
