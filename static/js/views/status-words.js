// The run status in words, en and zh: a copy of optim_core.status.STATUS_MESSAGES (the API sends the code, its
// key and params; the page words them). tests/api/test_inspect.py holds the copy equal to the server's table.
// Between the markers is plain JSON.

// BEGIN STATUS_MESSAGES
export const STATUS_MESSAGES = {
  "en": {
    "converged": "converged at step {step} to the known minimum ({min_x}, {min_y})",
    "converged_local": "converged at step {step} to a local minimum near ({min_x}, {min_y}) (gradient ≈ 0, curving up in every direction)",
    "converged_local_max": "converged at step {step} to a local maximum near ({min_x}, {min_y}) (gradient ≈ 0, curving down in every direction)",
    "moving": "still moving at step {step}: loss {loss}, |∇f| {grad}",
    "oscillating": "oscillating at step {step}: {flips} of the last {window} steps reversed, the net move {net} is a small part of the {travelled} travelled",
    "stalled_saddle": "stalled since step {step} at a saddle near ({x}, {y}): |∇f| {grad} is below {grad_limit} (tiny for this surface), the curvature is {lambda_min} one way and {lambda_max} the other",
    "stalled_plateau": "stalled since step {step} on a plateau or flat valley floor near ({x}, {y}): |∇f| {grad} is below {grad_limit} (tiny for this surface), and the smallest curvature {lambda_min} is nearly zero",
    "stalled_peak": "stalled since step {step} near ({x}, {y}): |∇f| {grad} is below {grad_limit} (tiny for this surface), and the surface curves the wrong way in every direction (curvatures {lambda_min}, {lambda_max})",
    "diverged_start": "diverged at the start: the loss is not finite there",
    "diverged_curvature": "diverged at step {step}: lr {lr} is above {rule} ≈ {limit} at the start (λ_max = {lambda_max})",
    "diverged_curvature_path": "diverged at step {step}: lr {lr} is above {rule} ≈ {limit} at step {at} (λ_max = {lambda_max} there)",
    "diverged_momentum": "diverged at step {step}: momentum {momentum} > 1 amplifies every past step, so the path grows whatever the lr",
    "diverged_climbs": "diverged at step {step}: maximize=True climbs the surface, and the loss rose from {loss_start} to {loss_last}",
    "diverged_unbounded": "diverged at step {step}: the surface falls away without bound, the loss fell from {loss_start} to {loss_last}, below the plot's lowest value {loss_floor}",
    "diverged_growth": "diverged at step {step}: the step grew from |Δθ| {step_small} at step {small_at} to {step_large} at step {last_step}",
    "diverged_domain": "diverged at step {step}: the path left the plot's domain by {factor}x",
    "diverged_jump": "diverged at step {step}: the step from ({x}, {y}) landed where the loss is not finite, or over {bound}x the plot's size away"
  },
  "zh": {
    "converged": "在第 {step} 步收敛到已知极小点 ({min_x}, {min_y})",
    "converged_local": "在第 {step} 步收敛到 ({min_x}, {min_y}) 附近的局部极小点（梯度 ≈ 0，各方向都向上弯）",
    "converged_local_max": "在第 {step} 步收敛到 ({min_x}, {min_y}) 附近的局部极大点（梯度 ≈ 0，各方向都向下弯）",
    "moving": "第 {step} 步仍在移动：损失 {loss}，|∇f| {grad}",
    "oscillating": "第 {step} 步在振荡：最近 {window} 步中有 {flips} 步反向，净位移 {net} 只占走过路程 {travelled} 的一小部分",
    "stalled_saddle": "自第 {step} 步起停滞在 ({x}, {y}) 附近的鞍点：|∇f| {grad} 低于 {grad_limit}（对这个曲面而言极小），一个方向曲率为 {lambda_min}，另一个方向为 {lambda_max}",
    "stalled_plateau": "自第 {step} 步起停滞在 ({x}, {y}) 附近的平台或平坦谷底：|∇f| {grad} 低于 {grad_limit}（对这个曲面而言极小），最小曲率 {lambda_min} 也接近零",
    "stalled_peak": "自第 {step} 步起停滞在 ({x}, {y}) 附近：|∇f| {grad} 低于 {grad_limit}（对这个曲面而言极小），且曲面在各方向都朝错误的方向弯（曲率 {lambda_min}、{lambda_max}）",
    "diverged_start": "在起点就发散：那里的损失不是有限值",
    "diverged_curvature": "在第 {step} 步发散：lr {lr} 大于起点处的 {rule} ≈ {limit}（λ_max = {lambda_max}）",
    "diverged_curvature_path": "在第 {step} 步发散：lr {lr} 大于第 {at} 步处的 {rule} ≈ {limit}（那里 λ_max = {lambda_max}）",
    "diverged_momentum": "在第 {step} 步发散：动量 {momentum} > 1 会放大过去的每一步，无论 lr 多小路径都会增长",
    "diverged_climbs": "在第 {step} 步发散：maximize=True 沿曲面向上爬，损失从 {loss_start} 升到 {loss_last}",
    "diverged_unbounded": "在第 {step} 步发散：曲面在这个方向上无下界，损失从 {loss_start} 降到 {loss_last}，低于图中最低值 {loss_floor}",
    "diverged_growth": "在第 {step} 步发散：步长 |Δθ| 从第 {small_at} 步的 {step_small} 增长到第 {last_step} 步的 {step_large}",
    "diverged_domain": "在第 {step} 步发散：路径离开了图的范围，远达 {factor} 倍",
    "diverged_jump": "在第 {step} 步发散：从 ({x}, {y}) 出发的一步落到了损失不是有限值的地方，或超出图的范围 {bound} 倍以上"
  }
};
// END STATUS_MESSAGES

// Short words for the status while a run plays (the full sentence needs numbers known only at the end).
export const STATUS_SHORT = {
  en: {
    moving: 'moving', oscillating: 'oscillating', converged: 'converged (since step {since})',
    stalled_saddle: 'stalled at a saddle (since step {since})', stalled_plateau: 'stalled on a plateau (since step {since})',
    stalled_peak: 'stalled (since step {since})', diverged: 'diverged at step {since}',
  },
  zh: {
    moving: '移动中', oscillating: '振荡中', converged: '已收敛（自第 {since} 步起）',
    stalled_saddle: '停滞在鞍点（自第 {since} 步起）', stalled_plateau: '停滞在平台（自第 {since} 步起）',
    stalled_peak: '停滞（自第 {since} 步起）', diverged: '在第 {since} 步发散',
  },
};

/** A number as the server's messages write it (optim_core.status.format_number): integers as they are, other
 * numbers to 4 significant digits in %g style, the exponent without "+" or leading zeros. */
export function formatNumber(v) {
  if (v === null || v === undefined) return String(v);
  if (typeof v !== 'number') return String(v);
  if (Number.isInteger(v) && Math.abs(v) < 1e15 && !Object.is(v, -0)) return String(v);
  if (v === 0) return '0';
  const exp = Math.floor(Math.log10(Math.abs(Number(v.toPrecision(4)))));
  let s;
  if (exp < -4 || exp >= 4) {
    const [m, e] = v.toExponential(3).split('e');
    s = `${m.replace(/\.?0+$/, '')}e${Number(e) < 0 ? '-' : ''}${Math.abs(Number(e))}`;
  } else {
    s = v.toFixed(Math.max(0, 3 - exp)).replace(/(\.\d*?)0+$/, '$1').replace(/\.$/, '');
  }
  return s;
}

/** The full sentence of a run_status ({key, step, params}) in lang. */
export function statusMessage(status, lang) {
  const table = STATUS_MESSAGES[lang] ?? STATUS_MESSAGES.en;
  const template = table[status.key] ?? status.key;
  const words = { step: String(status.step) };
  for (const [k, v] of Object.entries(status.params ?? {})) words[k] = formatNumber(v);
  return template.replace(/\{(\w+)\}/g, (m, k) => (k in words ? words[k] : m));
}

/** The status at step k from status_steps ([from_step, code, reason, since] changes), in short words. */
export function statusAt(steps, k, lang) {
  if (!steps || !steps.length) return null;
  let cur = steps[0];
  for (const s of steps) {
    if (s[0] <= k) cur = s;
    else break;
  }
  const [, code, reason, since] = cur;
  const table = STATUS_SHORT[lang] ?? STATUS_SHORT.en;
  const template = table[reason && code === 'stalled' ? `${code}_${reason}` : code] ?? code;
  return { code, reason, since, text: template.replace('{since}', String(since)) };
}
