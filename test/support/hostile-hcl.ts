/**
 * A deploy.hcl whose evaluation never ends in practice: each const doubles the one before (as a
 * list sharing its halves, so it costs nothing to build) and the step flattens the last one,
 * 2^41 strings.
 */
export function bomb(marker: string): string {
  const consts = ['  c0 = ["x", "x"]'];
  for (let i = 1; i <= 40; i++) consts.push(`  c${i} = [const.c${i - 1}, const.c${i - 1}]`);
  return `const {
${consts.join('\n')}
}

step {
  name    = "boom"
  agent   = "exec"
  forward = ["echo", "${marker}", "\${length(flatten(const.c40))}"]
}
`;
}
