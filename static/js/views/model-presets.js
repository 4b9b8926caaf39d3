// Model mode's three presets: lessons with captions (en/zh), in the URL's own terms (see model-state.js).

export const MODEL_PRESETS = {
  'notes-linear': {
    state: { model: 'linear', data: 'regression', n: 32, noise: 0.1, dseed: 0, epochs: 100, batch: null, seed: 0,
      runs: 'adam:lr=0.01|rmsprop:lr=0.01' },
    caption: {
      en: 'The notes’ closing comparison: nn.Linear(10, 1) with MSELoss on randn(32, 10), Adam and then RMSprop at lr 0.01 for 100 epochs, the loss printed every 10 epochs (the table). RMSprop’s steps start large; Adam’s bias correction keeps its first steps at about lr.',
      zh: '笔记最后的对比：nn.Linear(10, 1) 加 MSELoss，输入 randn(32, 10)，先用 Adam 再用 RMSprop，学习率 0.01，训练 100 轮，每 10 轮打印一次损失（见表）。RMSprop 一开始步子很大；Adam 的偏差修正让最初几步约等于学习率。',
    },
  },
  'line-batch': {
    state: { model: 'line', data: 'regression', features: 1, n: 32, noise: 0.3, dseed: 0, epochs: 30, batch: 4,
      seed: 0, runs: 'sgd:lr=0.05|adam:lr=0.05' },
    caption: {
      en: 'Fitting y = w·x + b with minibatches of 4: the loss over (w, b) is a bowl, and each step follows the gradient of a different minibatch — its own bowl, drawn faintly. The jitter of the paths is real sampling noise. Clear the batch size for full batch and the paths turn smooth.',
      zh: '用每批 4 个样本拟合 y = w·x + b：(w, b) 上的损失是一个碗，每一步沿着不同小批量的梯度前进——那个小批量自己的碗用淡色画出。路径的抖动是真实的采样噪声。清空批大小改为全批量，路径就变得平滑。',
    },
  },
  'mlp-spiral': {
    state: { model: 'mlp', hidden: [32, 32], activation: 'tanh', data: 'spiral', n: 200, noise: 0.05, dseed: 0,
      epochs: 200, batch: 20, seed: 0, runs: 'adam:lr=0.01|adamw:lr=0.01,weight_decay=0.01|sgd:lr=0.05,momentum=0.9' },
    caption: {
      en: 'A 2-32-32-1 tanh MLP learning two interleaved spirals, minibatches of 20, 200 epochs. Adam and AdamW (decoupled weight decay) leave the early plateau and wrap the decision boundary around the arms (about 98% right); SGD with momentum at lr 0.05 is still on the plateau (57%). The shared slice puts all three paths on one plane of the same loss.',
      zh: '一个 2-32-32-1 的 tanh MLP 学习两条交织的螺旋，每批 20 个样本，训练 200 轮。Adam 与 AdamW（解耦权重衰减）离开最初的平台，把决策边界绕到螺旋臂周围（约 98% 正确）；学习率 0.05 的带动量 SGD 仍停在平台上（57%）。共享切片把三条路径画在同一损失的同一平面上。',
    },
  },
};

export const MODEL_PRESET_NAMES = Object.keys(MODEL_PRESETS);
