#!/usr/bin/env python3
"""A training step of `ldae bench` in PyTorch, for a side-by-side figure on the same machine.

--model ldae (default): the shape of a profile's final l-DAE row (table3/predict-original-image): a DiT-style stack
of adaLN-Zero blocks (tanh-GELU MLP, multi-head attention, timestep conditioning) on `tokens` tokens of `cell` values,
batch `batch`, AdamW with gradient clipping, one process on `threads` threads. It measures images/s after a warm-up,
FLOPs per image (2 x multiply-adds of the matmuls, training = 3 x forward: the convention of `ldae bench`),
achieved GFLOP/s against the best of a few 2048^2 fp32 matmuls measured in the same process, and peak RSS.
With --precision bf16 the forward pass and loss run under torch.autocast("cpu", dtype=torch.bfloat16) (parameters,
AdamW and gradients stay fp32), and the bf16 2048^2 matmul is printed as its own yardstick.

--model conv-vae: the learned tokenizer's training step as `ldae bench --tokenizer NAME` times it
(TokenizerTrainingStep), layer for layer: the LDM-style conv VAE (GroupNorm/SiLU residual blocks, stride-2 convs down,
nearest x2 + conv up, no attention; 8 base channels, multipliers up to 4, one block per level) with L1 + 1e-6 KL,
the LPIPS-style distance through a VGG-like perceptual network with random frozen weights (the benchmark's, as
ldae's), and the PatchGAN discriminator (hinge loss, VQGAN's adaptive weight) in the adversarial phase; both
networks trained by AdamW, lr 3e-3, betas (0.5, 0.9), no weight decay, batch 32 drawn from a uint8 pool of the
profile's fit_images. It prints each network's parameters and forward FLOPs (counted from the convs' output sizes,
as ldae's ConvFlops), each phase's img/s, FLOPs/image (TokenizerStepFlops' convention) and GFLOP/s, the whole run
(phases weighted half and half, as ldae), the fp32 matmul and the peak RSS over the timed steps. Where ldae has its
own implementation of a layer (the x2 upsampling as a broadcast copy), this uses PyTorch's (F.interpolate), and the
convolutions run on PyTorch's default path (oneDNN; --onednn off for libtorch's own kernels, which ldae uses).

    python3 bench/peer_step.py --profile cpu      # width 192, 8 blocks, 64 tokens, batch 256
    python3 bench/peer_step.py --profile quick    # width 96, 4 blocks, 16 tokens, batch 256
    python3 bench/peer_step.py --profile cpu --precision bf16
    python3 bench/peer_step.py --profile cpu --model conv-vae --tokenizer conv-vae-p4-d4-full --steps 20 --warmup 3

Debian: apt-get install python3-torch libopenblas0-openmp. Without PyTorch it prints why and exits 0.
"""
import argparse
import math
import re
import resource
import sys
import time

PROFILES = {
    # width, depth, heads, tokens, cell values per token (p*p*C), batch: as experiments/profiles.yaml sizes the row
    "quick": dict(width=96, depth=4, heads=3, tokens=16, cell=64, batch=256),
    "quick-cifar10": dict(width=96, depth=4, heads=3, tokens=16, cell=192, batch=256),
    "cpu": dict(width=192, depth=8, heads=6, tokens=64, cell=48, batch=256),
}

TOKENIZER_DATA = {
    # image channels and side, classes, tokenizer.patch and tokenizer.fit_images: experiments/profiles.yaml
    "quick": dict(channels=1, size=32, classes=10, patch=8, fit_images=10000),
    "quick-cifar10": dict(channels=3, size=32, classes=10, patch=8, fit_images=10000),
    "cpu": dict(channels=3, size=32, classes=10, patch=4, fit_images=50000),
}

# LearnedTokenizerSpec's defaults (what TokenizerArtifacts.LearnedSpec leaves unset), ConvVaeArchitecture's and
# PerceptualTrainOptions' widths
TOKENIZER_SPEC = dict(base_channels=8, max_multiplier=4, res_blocks=1, batch=32, lr=3e-3, weight_decay=0.0, kl_weight=1e-6,
                      perceptual_weight=1.0, discriminator_weight=0.5, discriminator_width=32, discriminator_layers=2,
                      perceptual_widths=(8, 16, 32))

FLOPS_CONVENTION = ("2 x multiply-adds of the convs; trained networks 3 x forward, the frozen perceptual network 3 x one pass (x, x^, gradient to x^), "
                    "discriminator 2 x for the generator term + 6 x for its update; the adaptive weight's extra passes not counted")


def matmul_gflops(torch, repeats=5, n=2048, dtype=None):
    """Best of `repeats` n^2 matmuls, in GFLOP/s."""
    dtype = dtype or torch.float32
    a, b = torch.randn(n, n).to(dtype), torch.randn(n, n).to(dtype)
    c = a @ b
    best = 0.0
    for _ in range(repeats):
        start = time.perf_counter()
        torch.mm(a, b, out=c)
        best = max(best, 2 * n ** 3 / (time.perf_counter() - start) / 1e9)
    return best


def blas_info(torch):
    found = re.search(r"BLAS_INFO=([^,\s]+)", torch.__config__.show())
    return f"BLAS_INFO={found.group(1) if found else 'unknown'}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="cpu", choices=sorted(PROFILES))
    parser.add_argument("--model", default="ldae", choices=["ldae", "conv-vae"], help="the l-DAE denoiser's step, or a learned tokenizer's")
    parser.add_argument("--tokenizer", default="conv-vae-p4-d4-full", help="with --model conv-vae: the artifact, as ldae bench --tokenizer names it")
    parser.add_argument("--steps", type=int, default=40, help="timed steps (per phase with --model conv-vae)")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--precision", default="fp32", choices=["fp32", "bf16"])
    parser.add_argument("--onednn", default="on", choices=["on", "off"], help="with --model conv-vae: PyTorch's oneDNN convolutions (off: its own kernels, as ldae)")
    args = parser.parse_args()
    if args.steps < 1 or args.warmup < 0:
        parser.error("--steps must be >= 1 and --warmup >= 0")
    if args.model == "conv-vae" and args.precision != "fp32":
        parser.error("--model conv-vae: ldae trains its tokenizers in fp32 only")
    try:
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
    except ImportError:
        print(f"peer_step: PyTorch is not installed for {sys.executable} (Debian: apt-get install python3-torch libopenblas0-openmp, then run /usr/bin/python3 bench/peer_step.py); skipped")
        return 0
    return run_ldae(args, torch, nn, F) if args.model == "ldae" else run_conv_vae(args, torch, nn, F)


def run_ldae(args, torch, nn, F):
    """The l-DAE step of `ldae bench` (the final row of Table 3)."""
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

    before = matmul_gflops(torch)
    before_bf16 = matmul_gflops(torch, dtype=torch.bfloat16) if args.precision == "bf16" else 0.0
    for _ in range(args.warmup):
        step()
    times = []
    for _ in range(args.steps):
        start = time.perf_counter()
        step()
        times.append(time.perf_counter() - start)
    best = max(before, matmul_gflops(torch))
    best_bf16 = max(before_bf16, matmul_gflops(torch, dtype=torch.bfloat16)) if args.precision == "bf16" else 0.0

    w, l, hidden = width, tokens, 4 * width
    macs = l * cell * w + 256 * w + w * w + depth * (l * 4 * w * w + 2 * l * l * w + l * 2 * w * hidden + 6 * w * w) + l * w * cell + 2 * w * w
    train_flops = 3 * 2 * macs
    median = sorted(times)[len(times) // 2]
    rate = batch / median
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"profile            {args.profile}: width {width}, depth {depth}, heads {heads}, {tokens} tokens, batch {batch}")
    print(f"torch              {torch.__version__}, {torch.get_num_threads()} threads, {blas_info(torch)}; precision {args.precision}")
    print(f"training           {rate:.0f} img/s (median step {1000 * median:.1f} ms over {args.steps} steps after {args.warmup} warm-up)")
    print(f"FLOPs / image      training {train_flops / 1e6:.2f} M (3 x forward)")
    print(f"training GFLOP/s   {train_flops * rate / 1e9:.1f} = {train_flops * rate / 1e9 / best:.0%} of the best 2048^2 matmul ({best:.1f} GFLOP/s)")
    if args.precision == "bf16":
        print(f"bf16 matmul        {best_bf16:.1f} GFLOP/s (best 2048^2); training = {train_flops * rate / 1e9 / best_bf16:.0%} of it")
    print(f"peak RSS           {peak_mb:.0f} MB")
    return 0


def parse_tokenizer(name, profile):
    """conv-vae-p{P}-d{D}-{full|no-perceptual|no-adversarial|plain} → (stride, latent channels, perceptual, adversarial), as
    TokenizerArtifacts.LearnedSpec derives them: DiT's 2x2 latent cells per token, so stride P/2 and D/4 channels."""
    found = re.fullmatch(r"(?:tokenizer/)?conv-vae-p(\d+)-d(\d+)-(full|no-perceptual|no-adversarial|plain)", name)
    if not found:
        raise SystemExit(f"peer_step: --tokenizer {name}: expected conv-vae-p<P>-d<D>-full|no-perceptual|no-adversarial|plain")
    patch, d, losses = int(found.group(1)), int(found.group(2)), found.group(3)
    if patch != TOKENIZER_DATA[profile]["patch"]:
        raise SystemExit(f"peer_step: --tokenizer {name}: the {profile} profile's tokens are {TOKENIZER_DATA[profile]['patch']} pixels wide, not {patch}")
    stride = patch // 2
    if d % 4 or stride < 1 or stride & (stride - 1):
        raise SystemExit(f"peer_step: --tokenizer {name}: needs d divisible by 4 and a power-of-two stride p/2")
    return stride, d // 4, losses in ("full", "no-adversarial"), losses in ("full", "no-perceptual")


def run_conv_vae(args, torch, nn, F):
    """A learned tokenizer's step as `ldae bench --tokenizer` times it (TokenizerBenchmark, TokenizerTrainingStep)."""
    data, spec = TOKENIZER_DATA[args.profile], TOKENIZER_SPEC
    stride, latent, perceptual_loss, adversarial_loss = parse_tokenizer(args.tokenizer, args.profile)
    channels, size, batch = data["channels"], data["size"], spec["batch"]
    torch.set_num_threads(args.threads)
    torch.backends.mkldnn.enabled = args.onednn == "on"
    torch.manual_seed(0)

    def norm(c):
        # ResnetBlock.Norm: up to 8 groups
        return nn.GroupNorm(next(g for g in (8, 4, 2, 1) if c % g == 0), c, eps=1e-6)

    def width_at(level):
        return spec["base_channels"] * min(2 ** level, spec["max_multiplier"])

    class ResnetBlock(nn.Module):
        """GroupNorm, SiLU, conv 3x3, GroupNorm, SiLU, conv 3x3, plus the input (through a 1x1 conv when the width changes)."""

        def __init__(self, cin, cout):
            super().__init__()
            self.norm1, self.conv1 = norm(cin), nn.Conv2d(cin, cout, 3, padding=1)
            self.norm2, self.conv2 = norm(cout), nn.Conv2d(cout, cout, 3, padding=1)
            self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else None

        def forward(self, x):
            h = self.conv2(F.silu(self.norm2(self.conv1(F.silu(self.norm1(x))))))
            return (x if self.skip is None else self.skip(x)) + h

    class Encoder(nn.Module):
        """ConvEncoder: conv in, per level blocks then a stride-2 conv (not after the last), middle block, norm, SiLU, conv out."""

        def __init__(self, cin, cout, downsamplings):
            super().__init__()
            c = width_at(0)
            self.conv_in = nn.Conv2d(cin, c, 3, padding=1)
            layers = []
            for level in range(downsamplings + 1):
                for _ in range(spec["res_blocks"]):
                    layers.append(ResnetBlock(c, width_at(level)))
                    c = width_at(level)
                if level < downsamplings:
                    layers.append(nn.Conv2d(c, c, 3, stride=2, padding=1))
            self.levels = nn.Sequential(*layers)
            self.middle, self.norm_out, self.conv_out = ResnetBlock(c, c), norm(c), nn.Conv2d(c, cout, 3, padding=1)

        def forward(self, x):
            return self.conv_out(F.silu(self.norm_out(self.middle(self.levels(self.conv_in(x))))))

    class Upsample(nn.Module):
        def __init__(self, cin, cout):
            super().__init__()
            self.conv = nn.Conv2d(cin, cout, 3, padding=1)

        def forward(self, x):
            return self.conv(F.interpolate(x, scale_factor=2, mode="nearest"))

    class Decoder(nn.Module):
        """ConvDecoder: conv in, middle block, per level (coarsest first) blocks then x2 + conv (not after the finest), norm, SiLU, conv out."""

        def __init__(self, cin, cout, upsamplings):
            super().__init__()
            c = width_at(upsamplings)
            self.conv_in, self.middle = nn.Conv2d(cin, c, 3, padding=1), ResnetBlock(c, c)
            layers = []
            for level in range(upsamplings, -1, -1):
                for _ in range(spec["res_blocks"]):
                    layers.append(ResnetBlock(c, width_at(level)))
                    c = width_at(level)
                if level > 0:
                    layers.append(Upsample(c, width_at(level - 1)))
                    c = width_at(level - 1)
            self.levels = nn.Sequential(*layers)
            self.norm_out, self.conv_out = norm(c), nn.Conv2d(c, cout, 3, padding=1)

        def forward(self, z):
            return self.conv_out(F.silu(self.norm_out(self.levels(self.middle(self.conv_in(z))))))

    class ConvVae(nn.Module):
        def __init__(self):
            super().__init__()
            steps = stride.bit_length() - 1
            self.encoder = Encoder(channels, 2 * latent, steps)
            self.decoder = Decoder(latent, channels, steps)

    class PerceptualNetwork(nn.Module):
        """Stages of (conv 3x3, ReLU) x2, max-pooled between; a linear head on 4x4 pooled cells (held, not run by the distance)."""

        def __init__(self, cin, classes, widths):
            super().__init__()
            stages, c = [], cin
            for w in widths:
                stages.append(nn.Sequential(nn.Conv2d(c, w, 3, padding=1), nn.ReLU(), nn.Conv2d(w, w, 3, padding=1), nn.ReLU()))
                c = w
            self.stages = nn.ModuleList(stages)
            self.head = nn.Linear(c * 4 * 4, classes)

        def features(self, x):
            out = []
            for s, stage in enumerate(self.stages):
                x = stage(F.max_pool2d(x, 2) if s > 0 else x)
                out.append(x)
            return out

        def distance(self, x, y):
            """Per image: sum over stages of the mean over positions of |f(x)/|f(x)| - f(y)/|f(y)||^2 (norms over channels)."""
            def unit(f):
                return f / (f.square().sum(1, keepdim=True).sqrt() + 1e-10)
            total = torch.zeros(x.shape[0])
            for fx, fy in zip(self.features(x), self.features(y)):
                total = total + (unit(fx) - unit(fy)).square().sum(1).mean((1, 2))
            return total

    def discriminator_net():
        """PatchDiscriminator: conv 4x4 stride 2 + LeakyReLU(0.2) blocks, channels doubling from the width, conv 4x4 stride 1 to one logit."""
        layers, c = [], channels
        for i in range(spec["discriminator_layers"]):
            layers += [nn.Conv2d(c, spec["discriminator_width"] << i, 4, stride=2, padding=1), nn.LeakyReLU(0.2)]
            c = spec["discriminator_width"] << i
        return nn.Sequential(*layers, nn.Conv2d(c, 1, 4, stride=1, padding=1))

    # initial weights as ldae draws them (SeededInit): the VAE PyTorch's default layer init (uniform +-1/sqrt(fan_in) for
    # weights and biases, GroupNorm 1 and 0); the perceptual network Kaiming-normal, frozen; the discriminator N(0, 0.02)
    vae = ConvVae()
    perceptual = PerceptualNetwork(channels, max(data["classes"], 2), spec["perceptual_widths"]) if perceptual_loss else None
    discriminator = discriminator_net() if adversarial_loss else None
    with torch.no_grad():
        for net, init in ((perceptual, lambda w: nn.init.kaiming_normal_(w, mode="fan_in", nonlinearity="relu")),
                          (discriminator, lambda w: nn.init.normal_(w, 0.0, 0.02))):
            for m in (net.modules() if net is not None else []):
                if isinstance(m, (nn.Conv2d, nn.Linear)):
                    init(m.weight)
                    m.bias.zero_()
    if perceptual is not None:
        perceptual.eval()
        perceptual.requires_grad_(False)
    optimizer = torch.optim.AdamW(vae.parameters(), lr=spec["lr"], betas=(0.5, 0.9), weight_decay=spec["weight_decay"])
    d_optimizer = None if discriminator is None else torch.optim.AdamW(
        discriminator.parameters(), lr=spec["lr"], betas=(0.5, 0.9), weight_decay=spec["weight_decay"])

    def forward_flops(net, run):
        """2 x multiply-adds of every conv of `net` at the output size it ran at, for one image (ldae's ConvFlops)."""
        total = [0]
        hooks = [m.register_forward_hook(lambda m, _, out: total.__setitem__(0, total[0] + 2 * m.weight.numel() * out.shape[2] * out.shape[3]))
                 for m in net.modules() if isinstance(m, nn.Conv2d)]
        with torch.no_grad():
            run(torch.zeros(1, channels, size, size))
        for h in hooks:
            h.remove()
        return total[0]

    networks = [("conv-vae", vae, True, forward_flops(vae, lambda x: vae.decoder(vae.encoder(x)[:, :latent])))]
    if perceptual is not None:
        networks.append(("perceptual network", perceptual, False, forward_flops(perceptual, perceptual.features)))
    if discriminator is not None:
        networks.append(("discriminator", discriminator, True, forward_flops(discriminator, discriminator)))
    flops = {n: f for n, _, _, f in networks}
    reconstruction_flops = 3 * flops["conv-vae"] + 3 * flops.get("perceptual network", 0)
    phase_flops = {"reconstruction": reconstruction_flops, "adversarial": reconstruction_flops + 8 * flops.get("discriminator", 0)}

    # a uint8 pool of the profile's fit_images, batches taken from a random order as TokenizerBenchmark takes them
    pool = torch.randint(0, 256, (data["fit_images"], channels, size, size), dtype=torch.uint8)
    pixels_per_image = channels * size * size

    def step(s, order, adversarial):
        start = s * batch % max(1, pool.shape[0] - batch)
        x = pool.index_select(0, order[start:start + batch]).float() / 127.5 - 1
        mean, log_var = vae.encoder(x).chunk(2, dim=1)
        log_var = log_var.clamp(-30, 20)
        xr = vae.decoder(mean + (0.5 * log_var).exp() * torch.randn_like(mean))
        pixel = (xr - x).abs().sum() / batch
        rec = pixel if perceptual is None else pixel + spec["perceptual_weight"] * pixels_per_image * perceptual.distance(x, xr).mean()
        kl = (0.5 * (mean.square() + log_var.exp() - 1 - log_var).flatten(1).sum(1)).mean()
        total = rec + spec["kl_weight"] * kl
        if adversarial:
            generator = -discriminator(xr).mean()
            last = vae.decoder.conv_out.weight
            rec_grad = torch.autograd.grad(rec, last, retain_graph=True)[0]
            gen_grad = torch.autograd.grad(generator, last, retain_graph=True)[0]
            weight = min(max(rec_grad.norm().item() / (gen_grad.norm().item() + 1e-4), 0.0), 1e4)
            total = total + spec["discriminator_weight"] * weight * generator
        optimizer.zero_grad(set_to_none=True)
        total.backward()
        optimizer.step()
        if adversarial:
            d_loss = F.relu(1.0 - discriminator(x)).mean() + F.relu(1.0 + discriminator(xr.detach())).mean()
            d_optimizer.zero_grad(set_to_none=True)
            d_loss.backward()
            d_optimizer.step()
            d_loss.item()
        return total.item()

    def rss_mb(field):
        try:
            with open("/proc/self/status") as status:
                return next(int(line.split()[1]) for line in status if line.startswith(field + ":")) / 1024
        except (OSError, StopIteration):
            return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def reset_peak():
        try:
            with open("/proc/self/clear_refs", "w") as refs:
                refs.write("5")
            return True
        except OSError:
            return False

    before = matmul_gflops(torch)
    peak_setup = rss_mb("VmHWM")
    reset = reset_peak()
    phases = []
    for name in ("reconstruction", "adversarial") if discriminator is not None else ("reconstruction",):
        order = torch.randperm(pool.shape[0])
        times = []
        for s in range(args.warmup + args.steps):
            start = time.perf_counter()
            loss = step(s, order, name == "adversarial")
            if s >= args.warmup:
                times.append(time.perf_counter() - start)
        if not math.isfinite(loss):
            raise SystemExit(f"peer_step: the {name} phase's loss is {loss}")
        median = sorted(times)[len(times) // 2]
        phases.append((name, median, batch / median, phase_flops[name]))
    peak = max(rss_mb("VmHWM") if reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, rss_mb("VmRSS"))
    best = max(before, matmul_gflops(torch))

    def share(name):
        return 1.0 if len(phases) == 1 else 0.5
    run_rate = 1 / sum(share(n) / rate for n, _, rate, _ in phases)
    run_flops = sum(share(n) * f for n, _, _, f in phases)
    print(f"tokenizer / profile   {args.tokenizer} / {args.profile}: stride {stride}, {latent} latent channel(s), {channels}x{size}x{size} images, "
          f"batch {batch} from a uint8 pool of {pool.shape[0]}")
    print(f"torch                {torch.__version__}, {torch.get_num_threads()} threads, {blas_info(torch)}; oneDNN convolutions {args.onednn}")
    for name, net, trained, f in networks:
        count = sum(p.numel() for p in net.parameters())
        kind = "trainable parameters" if trained else "parameters (frozen, random weights)"
        print(f"{name:<21}{count:,} {kind}, forward {f / 1e6:.3f} MFLOP/image")
    for name, median, rate, f in phases:
        print(f"{name + ' phase':<21}{rate:.0f} img/s (median step {1000 * median:.1f} ms over {args.steps} steps after {args.warmup} warm-up), "
              f"{f / 1e6:.3f} MFLOP/image, {f * rate / 1e9:.1f} GFLOP/s = {f * rate / 1e9 / best:.0%} of matmul")
    print(f"whole run            {run_rate:.0f} img/s, {run_flops / 1e6:.3f} MFLOP/image, {run_flops * run_rate / 1e9:.1f} GFLOP/s "
          f"({run_flops * run_rate / 1e9 / best:.0%} of the best 2048^2 matmul, {best:.1f} GFLOP/s)")
    print(f"peak RSS             {peak:.0f} MB over the timed steps ({peak_setup:.0f} MB before them)")
    print(f"FLOPs                {FLOPS_CONVENTION}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
