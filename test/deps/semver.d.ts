// The one function of semver the engines test uses (semver ships no types of its own).
declare module 'semver' {
  const semver: { satisfies(version: string, range: string): boolean };
  export default semver;
}
