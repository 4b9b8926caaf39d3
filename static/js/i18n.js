// Every string the page shows, in English and Simplified Chinese. Optimizer and hyperparameter help come from
// the API (help.en / help.zh); surface names and descriptions, and Plotly's own strings, are in i18n-tables.js.

import { SURFACES, PLOTLY_ZH } from './i18n-tables.js';
import { SCHED_EN, SCHED_ZH } from './i18n-schedules.js';
import { MAP_EN, MAP_ZH } from './views/map-i18n.js';

const en = {
  'app.title': 'Optimizer Playground',
  'app.tagline': 'Watch torch.optim’s optimizers race across a surface. Change anything; share the link.',
  'app.loading': 'Loading…',
  'app.skip': 'Skip to the controls',

  'section.settings': 'Settings',
  'section.runs': 'Optimizers',
  'section.legend': 'Results',
  'section.loss': 'Loss vs step',
  'section.player': 'Animation',

  'surface.label': 'Surface',
  'surface.custom': 'Type your own f(x, y)…',
  'expr.label': 'f(x, y) =',
  'expr.help': 'Operators + − * / ^, functions sin cos tan exp log sqrt abs tanh sinh cosh atan min max, constants pi and e.',
  'expr.examples': 'Examples:',
  'expr.checking': 'Checking…',
  'expr.ok': 'Read as:',
  'expr.error': 'Error at position {pos}: {msg}',
  'expr.errorNoPos': 'Error: {msg}',
  'range.x': 'x from',
  'range.y': 'y from',
  'range.to': 'to',
  'range.bad': 'Each range needs min < max.',

  'start.legend': 'Start point',
  'start.x': 'Start x',
  'start.y': 'Start y',
  'start.hint': 'Or click the plot.',
  'steps.label': 'Steps',
  'noise.label': 'Gradient noise σ',
  'noise.help': 'Adds Gaussian noise of this standard deviation to each gradient component, like a minibatch would.',
  'seed.label': 'Noise seed',
  'view.label': 'View',
  'view.2d': '2-D contour',
  'view.3d': '3-D surface',
  'lang.label': 'Language',
  'lang.auto': 'Auto',
  'preset.label': 'Preset',
  'preset.none': '— your own settings —',
  'preset.contour': 'Contour plane: six racers on Beale',
  'preset.saddle': 'Saddle point in 3-D',
  'preset.adam-vs-adamw': 'Adam vs AdamW: weight decay',
  'preset.adagrad-vs-adam': 'Adagrad vs Adam in a valley',
  'preset.rosenbrock': 'All 13 on Rosenbrock',
  'preset.sparse': 'SparseAdam vs Adam: zero gradients',
  'preset.momentum-damping': 'Lesson: momentum smooths a flipping gradient',
  'preset.adam-moments': 'Lesson: Adam’s m and v, four cases',
  'preset.adam-l2-vs-adamw': 'Lesson: Adam + L2 vs AdamW',
  'preset.adagrad-shrinking': 'Lesson: Adagrad’s shrinking steps vs Adam',
  'preset.adadelta-units': 'Lesson: Adadelta needs no lr',
  'preset.rmsprop-vs-adam': 'Lesson: RMSprop vs Adam, bias correction',
  'preset.sparseadam-skips': 'Lesson: SparseAdam skips zero gradients',
  'preset.saddle-escape': 'Lesson: escaping a saddle',
  'preset.lbfgs-line-search': 'Lesson: L-BFGS’s line search',
  'preset.distill-quadratic': 'Lesson: Distill’s optimal rates on a quadratic',
  'preset.warmup-cosine': 'Schedule: warm-up then cosine',
  'preset.step-decay-rosenbrock': 'Schedule: step decay rescues SGD on Rosenbrock',
  'preset.distill-map': 'Map: Distill’s (α, β) map',
  'preset.himmelblau-basins': 'Map: Himmelblau’s basins, SGD vs Adam',
  'preset.fractal-lr': 'Map: a fractal lr boundary',
  'reset': 'Reset',
  'reset.title': 'Back to the preset’s settings (or the contour race)',
  'copy': 'Copy link',
  'copy.done': 'Link copied.',
  'copy.manual': 'Copy this link:',

  'runs.add': 'Add optimizer',
  'runs.count': '{n} of {max}',
  'runs.full': 'At most {max} optimizers.',
  'runs.optimizer': 'Optimizer',
  'runs.label': 'Name',
  'runs.labelPlaceholder': 'automatic',
  'runs.color': 'Colour',
  'runs.hide': 'Hide',
  'runs.duplicate': 'Duplicate',
  'runs.remove': 'Remove',
  'runs.more': 'More hyperparameters',
  'runs.run': 'Run {n}',
  'param.none': 'None',
  'param.auto': 'auto',
  'param.second': 'second',
  'param.slider': '{name} slider',

  'player.play': 'Play',
  'player.pause': 'Pause',
  'player.back': 'One step back',
  'player.forward': 'One step forward',
  'player.restart': 'Restart',
  'player.scrub': 'Step',
  'player.speed': 'Speed',
  'player.speedUnit': '{n} steps/s',
  'player.position': 'step {k} of {n}',
  'player.keys': 'Keys: Space play/pause · ← → one step · R restart · P present',

  'status.computing': 'Computing…',
  'status.streaming': 'Receiving paths… {k} of {n} steps',
  'status.refused': 'The server refused these settings: {msg}',
  'status.network': 'Could not reach the server: {msg}',
  'status.failed': 'Drawing failed: {msg}',

  'notice.title': 'Some settings in the link were changed:',
  'notice.item': '“{key}” = “{value}”',
  'notice.dismiss': 'Dismiss',

  'legend.final': 'final loss {v}',
  'legend.dist': 'distance to nearest minimum {v}',
  'legend.noMin': 'no known minimum',
  'legend.diverged': 'diverged at step {k}',
  'legend.hidden': '(hidden)',
  'legend.pending': 'computing…',
  'legend.swatch': 'line style of {name}',
  'legend.evals': '{n} evaluations in {m} steps',
  'legend.evalsOneStep': '{n} evaluations in 1 step',
  'legend.evalOneStep': '1 evaluation in 1 step',
  'legend.still': '{note}; still from step {k} on',

  'plot.label': 'Surface and optimizer paths. Click to set the start point.',
  'plot.z': 'f(x, y)',
  'plot.zlog': 'log₁₀(f − f_min)',
  'plot.colorLog': 'f − f_min (log scale)',
  'plot.color': 'f(x, y)',
  'plot.minimum': 'minimum',
  'plot.start': 'start',
  'hover.step': 'step',
  'hover.loss': 'loss',
  'hover.grad': 'gradient',
  'hover.evaluation': 'evaluation {j} of step {k}',
  'loss.x': 'step',
  'loss.y': 'loss',
  'loss.label': 'Loss of each run against the step number.',

  'label.momentum': 'Momentum',
  'label.nag': 'NAG',
  'label.l2': '{base} + L2 {wd}',
  'label.wd': '{base} wd {wd}',
  'label.lr': '{base} lr {lr}',

  'expr.fine': 'Formula accepted.',
  'notice.range': '“{key}” = {value} is outside [{min}, {max}]; it is now {to}.',
  'notice.integer': '“{key}” = {value} must be a whole number; it is now {to}.',
  'notice.tooMany': 'The link has {value} runs; at most {max} are shown, the rest were left out.',
  'notice.unknown': '“{key}” = “{value}” is not known here and was left out.',
  'notice.invalid': '“{key}” = “{value}” could not be read; it is now {to}, the default.',
  'notice.ignored': '“{key}” = “{value}” could not be read and was ignored.',
  'notice.refused': 'The server refused “{key}” = “{value}”, so the default race is shown instead.',
  'budget.over': '{runs} runs × {steps} steps is more than this server computes at once; at most {max} steps with {runs} runs.',
  'budget.use': 'Use {max} steps',
  'param.clamped': '{name} = {value} is outside [{min}, {max}]; it is now {to}.',
  'field.clamped': '{name} = {value} is outside [{min}, {max}]; it is now {to}.',
  'status.busy': 'The server is busy, retrying in {s} s…',
  'err.network': 'the network request failed (is the server running?)',
  'err.streamEnded': 'the stream of paths ended early',
  'err.work_budget': 'these runs need {work} work units, more than the {limit} this server computes at once; use fewer steps or runs',
  'err.range_order': '{field} needs min < max',
  'err.http413': 'the request is too large',
  'err.http404': 'not found ({msg})',
  'err.http503': 'the server is busy; try again in a moment',
  'legend.now': 'loss now {v}',
  'plot.diverged': 'diverged at step {k}',
  'present.on': 'Present',
  'present.title': 'Present mode (key P): big figure, for the back row',
  'present.exit': 'Exit present mode',
  'aspect.label': 'Equal axis scale',
  'caption.contour': 'Six optimizers from (1, 1.5) on Beale. Plain SGD crawls; momentum and NAG overshoot the trough and swing back; Adagrad, Adadelta and RMSprop rescale each coordinate and head straight in.',
  'caption.saddle': 'Starting 0.001 off the ridge of x² − y²: SGD lingers on the saddle, momentum leaves late, the adaptive methods slide off early.',
  'caption.adam-vs-adamw': 'Weight decay 0.5 on Himmelblau: as L2 inside Adam it is rescaled away and barely moves the end point; AdamW’s decoupled decay pulls it toward the origin.',
  'caption.adagrad-vs-adam': 'In Rosenbrock’s curved valley Adagrad’s steps only shrink and it stalls; Adam’s moving averages keep it walking along the valley.',
  'caption.rosenbrock': 'All thirteen optimizers in the valley for 500 steps: L-BFGS with a line search reaches (1, 1) in about 30 steps; SGD and ASGD barely leave the start.',
  'caption.sparse': 'Where the gradient is exactly zero (x ≥ 1 and y ≥ 1), Adam’s momentum carries it on; SparseAdam leaves a coordinate alone once its gradient is zero.',
  'export.label': 'Export',
  'export.image': 'Image',
  'export.size': 'Size',
  'export.shown': 'as shown',
  'export.hd': '1920 × 1080',
  'export.png': 'PNG',
  'export.svg': 'SVG',
  'export.data': 'Data',
  'export.csv': 'CSV',
  'export.json': 'JSON',
  'export.animation': 'Animation',
  'export.webm': 'WebM video',
  'export.gif': 'Animated GIF',
  'export.cancel': 'Cancel',
  'export.progress': 'Recording frame {k} of {n}',
  'export.cancelled': 'Export cancelled.',
  'export.saved': 'Saved {name}.',
  'export.noVideo': 'This browser cannot record video.',
  'export.failed': 'Export failed: {msg}',
  'export.embed': 'Embed',
  'export.embedSize': 'Embed size',
  'export.embedCopy': 'Copy embed code',
  'export.embedDone': 'Embed code copied.',
  'export.pytorch': 'Copy as PyTorch',
  'export.pytorchDone': 'PyTorch script copied.',
  'export.pytorchBusy': 'Writing the PyTorch script…',
  'embed.play': 'Play',
  'embed.replay': 'Replay',
  'embed.open': 'Open in Optimizer Playground',
  ...MAP_EN,
};

const zh = {
  'app.title': '优化器游乐场',
  'app.tagline': '看 torch.optim 的各个优化器在曲面上赛跑。任意修改参数，并分享链接。',
  'app.loading': '加载中…',
  'app.skip': '跳到控制面板',

  'section.settings': '设置',
  'section.runs': '优化器',
  'section.legend': '结果',
  'section.loss': '损失随步数变化',
  'section.player': '动画',

  'surface.label': '曲面',
  'surface.custom': '自己输入 f(x, y)…',
  'expr.label': 'f(x, y) =',
  'expr.help': '运算符 + − * / ^；函数 sin cos tan exp log sqrt abs tanh sinh cosh atan min max；常数 pi 和 e。',
  'expr.examples': '示例：',
  'expr.checking': '检查中…',
  'expr.ok': '理解为：',
  'expr.error': '位置 {pos} 处出错：{msg}',
  'expr.errorNoPos': '出错：{msg}',
  'range.x': 'x 从',
  'range.y': 'y 从',
  'range.to': '到',
  'range.bad': '每个范围都要求 最小值 < 最大值。',

  'start.legend': '起点',
  'start.x': '起点 x',
  'start.y': '起点 y',
  'start.hint': '也可以直接点击图像。',
  'steps.label': '步数',
  'noise.label': '梯度噪声 σ',
  'noise.help': '给每个梯度分量加上该标准差的高斯噪声，模拟小批量训练。',
  'seed.label': '噪声种子',
  'view.label': '视图',
  'view.2d': '二维等高线',
  'view.3d': '三维曲面',
  'lang.label': '语言',
  'lang.auto': '自动',
  'preset.label': '预设',
  'preset.none': '— 自定义设置 —',
  'preset.contour': '等高线：六个优化器在 Beale 函数上赛跑',
  'preset.saddle': '三维鞍点',
  'preset.adam-vs-adamw': 'Adam 对比 AdamW：权重衰减',
  'preset.adagrad-vs-adam': 'Adagrad 对比 Adam：狭长山谷',
  'preset.rosenbrock': '全部 13 个优化器：Rosenbrock',
  'preset.sparse': 'SparseAdam 对比 Adam：零梯度',
  'preset.momentum-damping': '课程：动量平滑翻转的梯度',
  'preset.adam-moments': '课程：Adam 的 m 与 v 的四种情形',
  'preset.adam-l2-vs-adamw': '课程：Adam + L2 对比 AdamW',
  'preset.adagrad-shrinking': '课程：Adagrad 不断缩小的步长对比 Adam',
  'preset.adadelta-units': '课程：Adadelta 无需学习率',
  'preset.rmsprop-vs-adam': '课程：RMSprop 对比 Adam：偏差修正',
  'preset.sparseadam-skips': '课程：SparseAdam 跳过零梯度',
  'preset.saddle-escape': '课程：逃离鞍点',
  'preset.lbfgs-line-search': '课程：L-BFGS 的线搜索',
  'preset.distill-quadratic': '课程：二次函数上 Distill 的最优速率',
  'preset.warmup-cosine': '学习率调度：预热后余弦退火',
  'preset.step-decay-rosenbrock': '学习率调度：阶梯衰减拯救 Rosenbrock 上的 SGD',
  'preset.distill-map': '图谱：Distill 的 (α, β) 图',
  'preset.himmelblau-basins': '图谱：Himmelblau 的吸引盆，SGD 对比 Adam',
  'preset.fractal-lr': '图谱：分形的学习率边界',
  'reset': '重置',
  'reset.title': '恢复预设（或等高线赛跑）的设置',
  'copy': '复制链接',
  'copy.done': '链接已复制。',
  'copy.manual': '请复制此链接：',

  'runs.add': '添加优化器',
  'runs.count': '{n} / {max}',
  'runs.full': '最多 {max} 个优化器。',
  'runs.optimizer': '优化器',
  'runs.label': '名称',
  'runs.labelPlaceholder': '自动',
  'runs.color': '颜色',
  'runs.hide': '隐藏',
  'runs.duplicate': '创建副本',
  'runs.remove': '删除',
  'runs.more': '更多超参数',
  'runs.run': '第 {n} 个',
  'param.none': '无',
  'param.auto': '自动',
  'param.second': '第二个',
  'param.slider': '{name} 滑块',

  'player.play': '播放',
  'player.pause': '暂停',
  'player.back': '后退一步',
  'player.forward': '前进一步',
  'player.restart': '从头开始',
  'player.scrub': '步数',
  'player.speed': '速度',
  'player.speedUnit': '每秒 {n} 步',
  'player.position': '第 {k} 步，共 {n} 步',
  'player.keys': '快捷键：空格 播放/暂停 · ← → 单步 · R 从头开始 · P 演示',

  'status.computing': '计算中…',
  'status.streaming': '正在接收路径…已完成 {k} / {n} 步',
  'status.refused': '服务器拒绝了这些设置：{msg}',
  'status.network': '无法连接服务器：{msg}',
  'status.failed': '绘制失败：{msg}',

  'notice.title': '链接中的部分设置已更改：',
  'notice.item': '“{key}” = “{value}”',
  'notice.dismiss': '关闭',

  'legend.final': '最终损失 {v}',
  'legend.dist': '到最近极小点的距离 {v}',
  'legend.noMin': '没有已知极小点',
  'legend.diverged': '在第 {k} 步发散',
  'legend.hidden': '（已隐藏）',
  'legend.pending': '计算中…',
  'legend.swatch': '{name} 的线型',
  'legend.evals': '{m} 步共求值 {n} 次',
  'legend.evalsOneStep': '1 步共求值 {n} 次',
  'legend.evalOneStep': '1 步共求值 1 次',
  'legend.still': '{note}；第 {k} 步起不再移动',

  'plot.label': '曲面与优化路径。点击图像可设置起点。',
  'plot.z': 'f(x, y)',
  'plot.zlog': 'log₁₀(f − f_min)',
  'plot.colorLog': 'f − f_min（对数刻度）',
  'plot.color': 'f(x, y)',
  'plot.minimum': '极小点',
  'plot.start': '起点',
  'hover.step': '步数',
  'hover.loss': '损失',
  'hover.grad': '梯度',
  'hover.evaluation': '第 {k} 步的第 {j} 次求值',
  'loss.x': '步数',
  'loss.y': '损失',
  'loss.label': '各优化器的损失随步数的变化。',

  'label.momentum': '动量',
  'label.nag': 'NAG',
  'label.l2': '{base} + L2 {wd}',
  'label.wd': '{base} 衰减 {wd}',
  'label.lr': '{base} 学习率 {lr}',

  'expr.fine': '公式有效。',
  'notice.range': '“{key}” = {value} 超出范围 [{min}, {max}]，已改为 {to}。',
  'notice.integer': '“{key}” = {value} 必须是整数，已改为 {to}。',
  'notice.tooMany': '链接中有 {value} 个优化器；最多显示 {max} 个，其余已略去。',
  'notice.unknown': '“{key}” = “{value}” 无法识别，已略去。',
  'notice.invalid': '“{key}” = “{value}” 无法读取，已改为默认值 {to}。',
  'notice.ignored': '“{key}” = “{value}” 无法读取，已忽略。',
  'notice.refused': '服务器拒绝了 “{key}” = “{value}”，因此改为显示默认赛跑。',
  'budget.over': '{runs} 个优化器 × {steps} 步超出了服务器一次能计算的量；{runs} 个优化器最多 {max} 步。',
  'budget.use': '改为 {max} 步',
  'param.clamped': '{name} = {value} 超出范围 [{min}, {max}]，已改为 {to}。',
  'field.clamped': '{name} = {value} 超出范围 [{min}, {max}]，已改为 {to}。',
  'status.busy': '服务器繁忙，{s} 秒后重试…',
  'err.network': '网络请求失败（服务器是否在运行？）',
  'err.streamEnded': '路径数据流提前结束',
  'err.work_budget': '这些运行需要 {work} 个工作单位，超过服务器一次能计算的 {limit}；请减少步数或优化器',
  'err.range_order': '{field} 需要 最小值 < 最大值',
  'err.http413': '请求过大',
  'err.http404': '未找到（{msg}）',
  'err.http503': '服务器繁忙，请稍后再试',
  'legend.now': '当前损失 {v}',
  'plot.diverged': '在第 {k} 步发散',
  'present.on': '演示',
  'present.title': '演示模式（P 键）：大图，后排也看得清',
  'present.exit': '退出演示',
  'aspect.label': '坐标轴等比例',
  'caption.contour': '六个优化器从 (1, 1.5) 出发在 Beale 函数上赛跑。普通 SGD 爬得很慢；动量和 NAG 冲过沟槽再摆回；Adagrad、Adadelta 和 RMSprop 按坐标缩放步长，径直进入沟槽。',
  'caption.saddle': '从 x² − y² 的脊线偏离 0.001 处出发：SGD 在鞍点上徘徊，动量方法较晚离开，自适应方法很早就滑下去。',
  'caption.adam-vs-adamw': 'Himmelblau 函数上权重衰减 0.5：Adam 中的 L2 项被自适应缩放抵消，终点几乎不变；AdamW 的解耦衰减把终点拉向原点。',
  'caption.adagrad-vs-adam': '在 Rosenbrock 弯曲的山谷里，Adagrad 的步长只会越来越小，最终停滞；Adam 的滑动平均让它沿山谷继续前进。',
  'caption.rosenbrock': '全部十三个优化器在山谷中走 500 步：带线搜索的 L-BFGS 约 30 步到达 (1, 1)；SGD 和 ASGD 几乎没离开起点。',
  'caption.sparse': '在梯度恰好为零的区域（x ≥ 1 且 y ≥ 1），Adam 的动量让它继续前进；SparseAdam 在某个坐标的梯度为零后就不再移动它。',
  'export.label': '导出',
  'export.image': '图片',
  'export.size': '尺寸',
  'export.shown': '当前大小',
  'export.hd': '1920 × 1080',
  'export.png': 'PNG',
  'export.svg': 'SVG',
  'export.data': '数据',
  'export.csv': 'CSV',
  'export.json': 'JSON',
  'export.animation': '动画',
  'export.webm': 'WebM 视频',
  'export.gif': 'GIF 动图',
  'export.cancel': '取消',
  'export.progress': '正在录制第 {k} / {n} 帧',
  'export.cancelled': '已取消导出。',
  'export.saved': '已保存 {name}。',
  'export.noVideo': '此浏览器无法录制视频。',
  'export.failed': '导出失败：{msg}',
  'export.embed': '嵌入',
  'export.embedSize': '嵌入尺寸',
  'export.embedCopy': '复制嵌入代码',
  'export.embedDone': '嵌入代码已复制。',
  'export.pytorch': '复制为 PyTorch 代码',
  'export.pytorchDone': 'PyTorch 脚本已复制。',
  'export.pytorchBusy': '正在生成 PyTorch 脚本…',
  'embed.play': '播放',
  'embed.replay': '重新播放',
  'embed.open': '在优化器游乐场中打开',
  ...MAP_ZH,
};

Object.assign(en, SCHED_EN);
Object.assign(zh, SCHED_ZH);
export const CATALOGS = { en, zh };

let plotlyZhRegistered = false;

/** Registers the Chinese Plotly locale once Plotly is there; returns the locale name for the current language. */
export function registerPlotlyLocale(Plotly) {
  if (current !== 'zh') return 'en';
  if (!Plotly) return 'en';
  if (!plotlyZhRegistered) {
    Plotly.register({ moduleType: 'locale', name: 'zh-CN', dictionary: PLOTLY_ZH });
    plotlyZhRegistered = true;
  }
  return 'zh-CN';
}
export const LANGS = ['en', 'zh'];

let current = 'en';

/** The language to use: the URL's ?lang= if valid, else the browser's. */
export function detectLang(fromUrl, navLanguages = navigator.languages || [navigator.language]) {
  if (LANGS.includes(fromUrl)) return fromUrl;
  for (const l of navLanguages) {
    if (typeof l === 'string' && l.toLowerCase().startsWith('zh')) return 'zh';
    if (typeof l === 'string' && l.toLowerCase().startsWith('en')) return 'en';
  }
  return 'en';
}

export function setLang(lang) {
  current = LANGS.includes(lang) ? lang : 'en';
  document.documentElement.lang = current === 'zh' ? 'zh-CN' : 'en';
}

export function getLang() {
  return current;
}

/** The string for `key` in the current language, with {name} placeholders filled from `vars`. */
export function t(key, vars = {}) {
  const s = CATALOGS[current][key] ?? en[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (m, k) => (Object.hasOwn(vars, k) ? String(vars[k]) : m));
}

/** True when the catalogs have `key` (used to word server error codes the page knows). */
export function has(key) {
  return Object.hasOwn(en, key);
}

/** An API help object {en, zh} in the current language. */
export function help(obj) {
  if (!obj) return '';
  return (current === 'zh' ? obj.zh : obj.en) || obj.en || '';
}

export function surfaceName(name, fallback = name) {
  return SURFACES[current][name]?.[0] ?? SURFACES.en[name]?.[0] ?? fallback;
}

export function surfaceDescription(name, fallback = '') {
  return SURFACES[current][name]?.[1] ?? SURFACES.en[name]?.[1] ?? fallback;
}

/** Fills every [data-i18n] (text), [data-i18n-title], [data-i18n-aria] and [data-i18n-placeholder] under root. */
export function translate(root = document) {
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle);
  for (const el of root.querySelectorAll('[data-i18n-aria]')) el.setAttribute('aria-label', t(el.dataset.i18nAria));
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.placeholder = t(el.dataset.i18nPlaceholder);
}

/** Numbers for people: 4 significant digits, exponent form when tiny or huge. */
export function fmt(v, digits = 4) {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a < 1e-3 || a >= 1e5) return v.toExponential(digits - 2).replace('e+', 'e');
  return String(Number(v.toPrecision(digits)));
}

/**
 * The name shown for a run: its own label, else one made from the optimizer and what sets it apart
 * (SGD with momentum reads "Momentum", with Nesterov "NAG"; Adam with weight decay "Adam + L2 0.5").
 * Runs that would still share a name get their learning rate appended.
 */
export function runLabels(runs, optimizers) {
  const base = runs.map((r) => {
    if (r.label) return r.label;
    const spec = optimizers[r.optimizer];
    let name = spec ? spec.label : r.optimizer;
    const p = r.params;
    if (r.optimizer === 'sgd' && p.momentum > 0) name = p.nesterov ? t('label.nag') : t('label.momentum');
    const wdDefault = spec?.params.find((q) => q.name === 'weight_decay')?.default ?? 0;
    if (p.weight_decay > 0 && p.weight_decay !== wdDefault) {
      const decoupled = r.optimizer === 'adamw' || p.decoupled_weight_decay;
      name = t(decoupled ? 'label.wd' : 'label.l2', { base: name, wd: fmt(p.weight_decay, 3) });
    }
    return name;
  });
  return base.map((name, i) => {
    const r = runs[i];
    if (r.label || base.filter((b) => b === name).length < 2 || r.params.lr === undefined) return name;
    return t('label.lr', { base: name, lr: fmt(r.params.lr, 3) });
  });
}
