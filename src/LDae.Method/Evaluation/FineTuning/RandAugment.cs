using TorchSharp;
using static TorchSharp.torch;

namespace LDae.Evaluation.FineTuning;

/// <summary>RandAugment's operations per image (0 = off), magnitude (of 10) and the sd of its per-operation noise.</summary>
public sealed record RandAugmentOptions(int Operations, double Magnitude, double MagnitudeStd)
{
    public bool Enabled => Operations > 0;
}

/// <summary>
/// RandAugment as MAE's fine-tuning uses it (timm's "rand-m9-mstd0.5-inc1"): for each image, <see cref="RandAugmentOptions.Operations"/>
/// times, an operation drawn uniformly from <see cref="Operations"/> is applied with probability ½ at magnitude
/// m ~ N(magnitude, sd) clipped to [0, 10]; signed operations take either sign with probability ½. Operations and
/// their strength at level ℓ = m/10 follow timm's increasing set: rotate 30°·ℓ, shear 0.3·ℓ, translate 0.45·ℓ of the
/// side, colour/contrast/brightness/sharpness factor 1 ± 0.9·ℓ, posterize to 4 − ⌊4ℓ⌋ bits, solarize above
/// 256 − ⌊256ℓ⌋, solarize-add ⌊110ℓ⌋ below 128, and auto-contrast, equalize, invert.
/// </summary>
/// <remarks>
/// Tensor code on float batches in [−1, 1] (model input), batched per operation: the images that drew an operation
/// go through it together. Differences from timm's PIL code: pixel values stay continuous (posterize, solarize and
/// equalize work on the 0…255 scale of each value, not on bytes); geometric operations turn about the image centre
/// with bilinear sampling and fill with mid-grey (timm: about the corner for shear, filled with the ImageNet mean);
/// all draws come from the given generator.
/// </remarks>
public static class RandAugment
{
    /// <summary>timm's increasing operation set, in its order.</summary>
    public static IReadOnlyList<string> Operations { get; } =
    [
        "auto-contrast", "equalize", "invert", "rotate", "posterize", "solarize", "solarize-add",
        "color", "contrast", "brightness", "sharpness", "shear-x", "shear-y", "translate-x", "translate-y",
    ];

    /// <summary>The augmented batch (new tensor) of a float batch N×C×H×W in [−1, 1].</summary>
    public static Tensor Apply(Tensor images, RandAugmentOptions o, Generator g)
    {
        if (!o.Enabled) return images.alias();
        using var scope = NewDisposeScope();
        long n = images.shape[0];
        var u = ((images + 1) / 2).clamp(0, 1);
        for (int layer = 0; layer < o.Operations; layer++)
        {
            var choice = randint(0, Operations.Count, [n], dtype: ScalarType.Int64, generator: g);
            var apply = rand([n], generator: g).lt(0.5);
            var magnitude = (randn([n], generator: g) * o.MagnitudeStd + o.Magnitude).clamp(0, 10);
            var sign = rand([n], generator: g).lt(0.5).to(ScalarType.Float32) * 2 - 1;
            for (int op = 0; op < Operations.Count; op++)
            {
                var idx = choice.eq(op).logical_and(apply).nonzero().squeeze(1);
                if (idx.shape[0] == 0) continue;
                var level = (magnitude.index_select(0, idx) / 10).to(u.device);
                var signed = level * sign.index_select(0, idx).to(u.device);
                var device = u.device;
                var onDevice = idx.to(device);
                var result = Operation(Operations[op], u.index_select(0, onDevice), level, signed);
                u = u.index_copy(0, onDevice, result);
            }
        }
        return (u * 2 - 1).MoveToOuterDisposeScope();
    }

    /// <summary>One operation on images in [0, 1] (N×C×H×W) at per-image level ℓ ∈ [0, 1] (and ±ℓ for signed ones).</summary>
    public static Tensor Operation(string name, Tensor u, Tensor level, Tensor signedLevel)
    {
        using var scope = NewDisposeScope();
        var result = name switch
        {
            "auto-contrast" => AutoContrast(u),
            "equalize" => Equalize(u),
            "invert" => 1 - u,
            "rotate" => Rotate(u, signedLevel * 30),
            "posterize" => Posterize(u, 4 - (level * 4).floor()),
            "solarize" => Solarize(u, 256 - (level * 256).floor()),
            "solarize-add" => SolarizeAdd(u, (level * 110).floor()),
            "color" => Blend(Grayscale(u).expand_as(u), u, 1 + signedLevel * 0.9),
            "contrast" => Blend(Grayscale(u).mean([1, 2, 3], keepdim: true).expand_as(u), u, 1 + signedLevel * 0.9),
            "brightness" => Blend(zeros_like(u), u, 1 + signedLevel * 0.9),
            "sharpness" => Blend(Smooth(u), u, 1 + signedLevel * 0.9),
            "shear-x" => Affine(u, Matrix(u, 1, signedLevel * 0.3, 0, 0, 1, 0)),
            "shear-y" => Affine(u, Matrix(u, 1, 0, 0, signedLevel * 0.3, 1, 0)),
            "translate-x" => Affine(u, Matrix(u, 1, 0, signedLevel * 0.45 * 2, 0, 1, 0)),
            "translate-y" => Affine(u, Matrix(u, 1, 0, 0, 0, 1, signedLevel * 0.45 * 2)),
            _ => throw new ArgumentException($"unknown RandAugment operation '{name}'"),
        };
        return result.clamp(0, 1).MoveToOuterDisposeScope();
    }

    static Tensor PerImage(Tensor v) => v.view(-1, 1, 1, 1);

    /// <summary>PIL's blend: degenerate + factor·(image − degenerate); factor 1 is the image, 0 the degenerate image.</summary>
    static Tensor Blend(Tensor degenerate, Tensor u, Tensor factor) => degenerate + PerImage(factor) * (u - degenerate);

    /// <summary>ITU-R 601-2 luma (PIL's "L"), N×1×H×W; a one-channel image is its own.</summary>
    public static Tensor Grayscale(Tensor u) => u.shape[1] == 3
        ? u[.., 0..1] * 0.299 + u[.., 1..2] * 0.587 + u[.., 2..3] * 0.114
        : u.mean([1], keepdim: true);

    /// <summary>Each channel stretched to [0, 1]; a constant channel stays as it is.</summary>
    static Tensor AutoContrast(Tensor u)
    {
        var lo = u.amin([2, 3], keepdim: true);
        var hi = u.amax([2, 3], keepdim: true);
        var range = hi - lo;
        return where(range.gt(0), (u - lo) / range.clamp_min(1e-12), u);
    }

    /// <summary>PIL's equalize per channel on the 256 levels: lut[v] = ⌊(cdf(&lt; v) + ⌊step/2⌋) / step⌋, step = ⌊(N − count of the top level)/255⌋.</summary>
    static Tensor Equalize(Tensor u)
    {
        long n = u.shape[0], c = u.shape[1], h = u.shape[2], w = u.shape[3];
        var levels = (u * 255).round().to(ScalarType.Int64).view(n * c, h * w);
        var hist = zeros([n * c, 256], ScalarType.Float32, device: u.device).scatter_add_(1, levels, ones_like(levels, ScalarType.Float32));
        var top = levels.amax([1], keepdim: true);
        var step = ((h * w - hist.gather(1, top)) / 255).floor();
        var before = hist.cumsum(1) - hist;
        var lut = ((before + (step / 2).floor()) / step.clamp_min(1)).floor().clamp(0, 255);
        var identity = arange(256, ScalarType.Float32, device: u.device).unsqueeze(0).expand_as(lut);
        lut = where(step.gt(0), lut, identity);
        return (lut.gather(1, levels) / 255).view(n, c, h, w);
    }

    static Tensor Posterize(Tensor u, Tensor bits)
    {
        var quantum = PerImage((8 - bits.clamp(0, 8)).exp2());
        return ((u * 255).round() / quantum).floor() * quantum / 255;
    }

    static Tensor Solarize(Tensor u, Tensor threshold) => where((u * 255).round().ge(PerImage(threshold)), 1 - u, u);

    static Tensor SolarizeAdd(Tensor u, Tensor add) => where((u * 255).round().lt(128), (u + PerImage(add) / 255).clamp_max(1), u);

    /// <summary>PIL's SMOOTH filter (3×3, centre 5, others 1, /13) per channel, the border pixels kept.</summary>
    static Tensor Smooth(Tensor u)
    {
        long c = u.shape[1];
        var kernel = ones([c, 1, 3, 3], ScalarType.Float32, device: u.device);
        kernel[.., .., 1, 1] = tensor(5f);
        var smooth = nn.functional.conv2d(u, kernel / 13, padding: [1, 1], groups: c);
        var interior = zeros_like(u, dtype: ScalarType.Bool);
        interior[.., .., 1..^1, 1..^1] = tensor(true);
        return where(interior, smooth, u);
    }

    static Tensor Rotate(Tensor u, Tensor degrees)
    {
        var radians = degrees * (Math.PI / 180);
        var (cos, sin) = (radians.cos(), radians.sin());
        return Affine(u, stack([stack([cos, -sin, zeros_like(cos)], 1), stack([sin, cos, zeros_like(cos)], 1)], 1));
    }

    /// <summary>Per-image 2×3 matrices [[a, b, c], [d, e, f]] in normalised coordinates (output → input), N×2×3.</summary>
    static Tensor Matrix(Tensor u, object a, object b, object c, object d, object e, object f)
    {
        long n = u.shape[0];
        Tensor Entry(object v) => v is Tensor t ? t.to(ScalarType.Float32) : full([n], Convert.ToSingle(v), ScalarType.Float32, device: u.device);
        return stack([stack([Entry(a), Entry(b), Entry(c)], 1), stack([Entry(d), Entry(e), Entry(f)], 1)], 1);
    }

    /// <summary>Resamples each image at theta·(x, y, 1) (bilinear), mid-grey outside the image.</summary>
    static Tensor Affine(Tensor u, Tensor theta)
    {
        var grid = nn.functional.affine_grid(theta, u.shape, align_corners: false);
        return nn.functional.grid_sample(u - 0.5, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Zeros, align_corners: false) + 0.5;
    }
}
