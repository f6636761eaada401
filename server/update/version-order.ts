/** Orders semantic versions (semver.org, section 11): the updater never goes backwards. */
function identifiers(pre: string): Array<number | string> {
  return pre.split('.').map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

export function compareVersions(a: string, b: string): number {
  const [coreA = '', preA = ''] = a.split('+')[0]!.split(/-(.*)/s);
  const [coreB = '', preB = ''] = b.split('+')[0]!.split(/-(.*)/s);
  const na = coreA.split('.').map(Number);
  const nb = coreB.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (na[i] ?? 0) - (nb[i] ?? 0);
    if (d !== 0) return Math.sign(d);
  }
  if (preA === preB) return 0;
  if (preA === '') return 1; // a release ranks above its pre-releases
  if (preB === '') return -1;
  const ia = identifiers(preA);
  const ib = identifiers(preB);
  for (let i = 0; i < Math.max(ia.length, ib.length); i++) {
    const x = ia[i];
    const y = ib[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return Math.sign(x - y);
    if (typeof x === 'number') return -1;
    if (typeof y === 'number') return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}
