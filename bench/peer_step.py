#!/usr/bin/env python3
"""The l-DAE training step of `ldae bench` in PyTorch, for a side-by-side figure on the same machine.

The same shape as a profile's final l-DAE row (table3/predict-original-image): a DiT-style stack of adaLN-Zero
blocks (tanh-GELU MLP, multi-head attention, timestep conditioning) on `tokens` tokens of `cell` values, batch
`batch`, AdamW with gradient clipping, one process on `threads` threads. It measures images/s after a warm-up,
FLOPs per image (2 x multiply-adds of the matmuls, training = 3 x forward: the convention of `ldae bench`),
achieved GFLOP/s against the best of a few 2048^2 fp32 matmuls measured in the same process, and peak RSS.
With --precision bf16 the forward pass and loss run under torch.autocast("cpu", dtype=torch.bfloat16) (parameters,
AdamW and gradients stay fp32), and the bf16 2048^2 matmul is printed as its own yardstick.

    python3 bench/peer_step.py --profile cpu      # width 192, 8 blocks, 64 tokens, batch 256
    python3 bench/peer_step.py --profile quick    # width 96, 4 blocks, 16 tokens, batch 256
    python3 bench/peer_step.py --profile cpu --precision bf16

Debian: apt-get install python3-torch libopenblas0-openmp. Without PyTorch it prints why and exits 0.
"""
import argparse
import math
import resource
import sys
import time

PROFILES = {
    # width, depth, heads, tokens, cell values per token (p*p*C), batch: as experiments/profiles.yaml sizes the row
    "quick": dict(width=96, depth=4, heads=3, tokens=16, cell=64, batch=256),
    "quick-cifar10": dict(width=96, depth=4, heads=3, tokens=16, cell=192, batch=256),
    "cpu": dict(width=192, depth=8, heads=6, tokens=64, cell=48, batch=256),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="cpu", choices=sorted(PROFILES))
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--precision", default="fp32", choices=["fp32", "bf16"])
    args = parser.parse_args()
    try:
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
    except ImportError:
        print(f"peer_step: PyTorch is not installed for {sys.executable} (Debian: apt-get install python3-torch libopenblas0-openmp, then run /usr/bin/python3 bench/peer_step.py); skipped")
        return 0

    shape = PROFILES[args.profile]
    width, depth, heads, tokens, cell, batch = (shape[k] for k in ("width", "depth", "heads", "tokens", "cell", "batch"))
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)

    def modulate(x, shift, scale):
        return x * (1 + scale.unsqueeze(1)) + shift.unsqueeze(1)

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.norm1 = nn.LayerNorm(width, elementwise_affine=False, eps=1e-6)
            self.qkv = nn.Linear(width, 3 * width)
            self.proj = nn.Linear(width, width)
            self.norm2 = nn.LayerNorm(width, elementwise_affine=False, eps=1e-6)
            self.fc1 = nn.Linear(width, 4 * width)
            self.fc2 = nn.Linear(4 * width, width)
            self.ada = nn.Sequential(nn.SiLU(), nn.Linear(width, 6 * width))

        def forward(self, x, c):
            shift1, scale1, gate1, shift2, scale2, gate2 = self.ada(c).chunk(6, dim=1)
            n = x.shape[0]
            q, k, v = self.qkv(modulate(self.norm1(x), shift1, scale1)).reshape(n, tokens, 3, heads, width // heads).permute(2, 0, 3, 1, 4)
            attn = (q @ k.transpose(-2, -1) * (width // heads) ** -0.5).softmax(-1) @ v
            x = x + gate1.unsqueeze(1) * self.proj(attn.transpose(1, 2).reshape(n, tokens, width))
            h = self.fc2(F.gelu(self.fc1(modulate(self.norm2(x), shift2, scale2)), approximate="tanh"))
            return x + gate2.unsqueeze(1) * h

    class Model(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Linear(cell, width)
            self.pos = nn.Parameter(torch.zeros(1, tokens, width))
            self.time = nn.Sequential(nn.Linear(256, width), nn.SiLU(), nn.Linear(width, width))
            self.blocks = nn.ModuleList(Block() for _ in range(depth))
            self.norm = nn.LayerNorm(width, elementwise_affine=False, eps=1e-6)
            self.final_ada = nn.Sequential(nn.SiLU(), nn.Linear(width, 2 * width))
            self.out = nn.Linear(width, cell)

        def forward(self, x, t):
            half = 128
            freqs = torch.exp(-math.log(10000) * torch.arange(half, dtype=torch.float32) / half)
            args_ = t[:, None].float() * freqs[None]
            c = self.time(torch.cat([torch.cos(args_), torch.sin(args_)], dim=1))
            h = self.embed(x) + self.pos
            for block in self.blocks:
                h = block(h, c)
            shift, scale = self.final_ada(c).chunk(2, dim=1)
            return self.out(modulate(self.norm(h), shift, scale))

    model = Model()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1.5e-3, betas=(0.9, 0.95), weight_decay=0.05)
    images = torch.randn(batch, tokens, cell)

    def step():
        t = torch.randint(1, 1001, (batch,))
        noisy = images + 0.5 * torch.randn_like(images)
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=args.precision == "bf16"):
            loss = F.mse_loss(model(noisy, t).float(), images)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        return loss.item()

    def matmul_gflops(repeats=5, n=2048, dtype=torch.float32):
        a, b = torch.randn(n, n).to(dtype), torch.randn(n, n).to(dtype)
        c = a @ b
        best = 0.0
        for _ in range(repeats):
            start = time.perf_counter()
            torch.mm(a, b, out=c)
            best = max(best, 2 * n ** 3 / (time.perf_counter() - start) / 1e9)
        return best

    before = matmul_gflops()
    before_bf16 = matmul_gflops(dtype=torch.bfloat16) if args.precision == "bf16" else 0.0
    for _ in range(args.warmup):
        step()
    times = []
    for _ in range(args.steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    best = max(before, matmul_gflops())
    best_bf16 = max(before_bf16, matmul_gflops(dtype=torch.bfloat16)) if args.precision == "bf16" else 0.0

    w, l, hidden = width, tokens, 4 * width
    macs = l * cell * w + 256 * w + w * w + depth * (l * 4 * w * w + 2 * l * l * w + l * 2 * w * hidden + 6 * w * w) + l * w * cell + 2 * w * w
    train_flops = 3 * 2 * macs
    median = sorted(times)[len(times) // 2]
    rate = batch / median
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"profile            {args.profile}: width {width}, depth {depth}, heads {heads}, {tokens} tokens, batch {batch}")
    blas = next((line.strip() for line in torch.__config__.show().splitlines() if "BLAS_INFO" in line), "BLAS_INFO unknown")
    print(f"torch              {torch.__version__}, {torch.get_num_threads()} threads, {blas}; precision {args.precision}")
    print(f"training           {rate:.0f} img/s (median step {1000 * median:.1f} ms over {args.steps} steps after {args.warmup} warm-up)")
    print(f"FLOPs / image      training {train_flops / 1e6:.2f} M (3 x forward)")
    print(f"training GFLOP/s   {train_flops * rate / 1e9:.1f} = {train_flops * rate / 1e9 / best:.0%} of the best 2048^2 matmul ({best:.1f} GFLOP/s)")
    if args.precision == "bf16":
        print(f"bf16 matmul        {best_bf16:.1f} GFLOP/s (best 2048^2); training = {train_flops * rate / 1e9 / best_bf16:.0%} of it")
    print(f"peak RSS           {peak_mb:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
