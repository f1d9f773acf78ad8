using TorchSharp;
using static TorchSharp.torch;

namespace LDae.Data;

/// <summary>
/// The paper's pretraining augmentations: the center crop alone (its default, "following DiT": the images are
/// already resized and center-cropped, so nothing is done here), or its "random crop" — a random resized crop
/// back to the input size, then a horizontal flip with probability ½, MAE's pre-training augmentation (the paper
/// compares l-DAE with MAE "with random crop as the data augmentation" for both, Table 4).
/// </summary>
/// <remarks>
/// <para><see cref="RandomCrop"/> has MAE's ranges: crop area fraction in [0.2, 1] and aspect ratio in [3/4, 4/3]
/// (log-uniform), flip p = 0.5.</para>
/// <para>Sampling follows torchvision's RandomResizedCrop: up to 10 (area, ratio) attempts per image, the
/// first whose crop fits inside the image wins; if none fits, a centred crop of the whole image (its ratio clamped into range).
/// The crop offset is uniform over the positions where it fits. Unlike torchvision, crop sides and offsets
/// are not rounded to whole pixels: the crop is resampled bilinearly with sub-pixel precision.</para>
/// <para>Batched: all random numbers of a batch come from one <c>rand</c> call on the given generator
/// (so the result is a function of the generator state), each image's crop+flip becomes one 2×3 affine
/// matrix, and a single <c>affine_grid</c> + <c>grid_sample</c> resamples the whole batch.</para>
/// </remarks>
public sealed class Augmentation
{
    const int Attempts = 10;

    public string Name { get; }
    public double MinScale { get; }
    public double MaxScale { get; }
    public double MinRatio { get; }
    public double MaxRatio { get; }
    public double FlipProbability { get; }
    /// <summary>True for <see cref="CenterCrop"/>: <see cref="Apply"/> returns its input unchanged and draws nothing.</summary>
    public bool IsIdentity { get; }

    /// <summary>No augmentation beyond the dataset's center crop (the paper's default protocol).</summary>
    public static Augmentation CenterCrop { get; } = new("center-crop");

    /// <summary>The paper's random crop: random resized crop, area [0.2, 1], ratio [3/4, 4/3], + horizontal flip p = 0.5 (MAE's).</summary>
    public static Augmentation RandomCrop { get; } = new("random-crop", 0.2, 1.0, 3.0 / 4.0, 4.0 / 3.0, 0.5);

    Augmentation(string name)
    {
        Name = name;
        MinScale = MaxScale = MinRatio = MaxRatio = 1.0;
        IsIdentity = true;
    }

    /// <summary>A random-resized-crop + flip augmentation with explicit ranges.</summary>
    public Augmentation(string name, double minScale, double maxScale, double minRatio, double maxRatio, double flipProbability)
    {
        if (!(0 < minScale && minScale <= maxScale && maxScale <= 1))
            throw new ArgumentOutOfRangeException(nameof(minScale), $"crop area range [{minScale}, {maxScale}] must satisfy 0 < min ≤ max ≤ 1");
        if (!(0 < minRatio && minRatio <= maxRatio))
            throw new ArgumentOutOfRangeException(nameof(minRatio), $"aspect ratio range [{minRatio}, {maxRatio}] must satisfy 0 < min ≤ max");
        if (!(0 <= flipProbability && flipProbability <= 1))
            throw new ArgumentOutOfRangeException(nameof(flipProbability));
        Name = name;
        (MinScale, MaxScale, MinRatio, MaxRatio, FlipProbability) = (minScale, maxScale, minRatio, maxRatio, flipProbability);
    }

    /// <summary>"center-crop" or "random-crop" (as written in experiment configs, data.augment).</summary>
    public static Augmentation FromName(string name) => name.ToLowerInvariant() switch
    {
        "center-crop" => CenterCrop,
        "random-crop" => RandomCrop,
        _ => throw new ArgumentException($"unknown augmentation '{name}' (known: center-crop, random-crop)", nameof(name)),
    };

    /// <summary>
    /// Augments a float batch N×C×H×W (any value range) to the same shape. The result depends only on the
    /// input and the state of <paramref name="generator"/>, which it advances.
    /// For <see cref="CenterCrop"/> it returns an alias of the input (same storage) and draws nothing.
    /// </summary>
    public Tensor Apply(Tensor images, Generator generator)
    {
        if (!images.is_floating_point() || images.dim() != 4)
            throw new ArgumentException($"expected a float N×C×H×W batch, got {images.dtype} [{string.Join(",", images.shape)}]", nameof(images));
        if (IsIdentity) return images.alias();

        using var scope = NewDisposeScope();
        long n = images.shape[0], h = images.shape[2], w = images.shape[3];
        // Parameters are drawn on the generator's device (CPU), then moved: same crops whatever device the images are on.
        var theta = CropFlipMatrices(n, h, w, generator).to(images.dtype, images.device);
        var grid = nn.functional.affine_grid(theta, images.shape, align_corners: false);
        // Border padding: a crop never leaves the image, but bilinear taps at its very edge may reach half a pixel out.
        var result = nn.functional.grid_sample(images, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Border, align_corners: false);
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The deterministic test-time view of a random-resized-crop pipeline: resize a square N×C×S×S batch to side
    /// S/<paramref name="fraction"/>, then take the central S×S crop — i.e. the central fraction of each image
    /// resampled (bilinearly, sub-pixel exact like <see cref="Apply"/>) to the input size. Draws nothing.
    /// </summary>
    public static Tensor CropCenter(Tensor images, double fraction)
    {
        if (!images.is_floating_point() || images.dim() != 4 || images.shape[2] != images.shape[3])
            throw new ArgumentException($"expected a float square N×C×S×S batch, got {images.dtype} [{string.Join(",", images.shape)}]", nameof(images));
        if (!(fraction > 0 && fraction <= 1)) throw new ArgumentOutOfRangeException(nameof(fraction), $"crop fraction {fraction} must be in (0, 1]");
        if (fraction == 1) return images.alias();
        using var scope = NewDisposeScope();
        var theta = tensor(new[] { fraction, 0, 0, 0, fraction, 0 }, [1, 2, 3], ScalarType.Float64)
            .expand(images.shape[0], 2, 3).to(images.dtype, images.device);
        var grid = nn.functional.affine_grid(theta, images.shape, align_corners: false);
        return nn.functional.grid_sample(images, grid, GridSampleMode.Bilinear, GridSamplePaddingMode.Border, align_corners: false)
            .MoveToOuterDisposeScope();
    }

    /// <summary>
    /// One 2×3 matrix per image mapping output coordinates to input coordinates (both normalised to [-1, 1],
    /// the convention of affine_grid): x_in = f·w·x_out + c_x, y_in = h·y_out + c_y, where w, h are the crop's
    /// width and height as fractions of the image, (c_x, c_y) its centre and f = ±1 the flip.
    /// </summary>
    Tensor CropFlipMatrices(long n, long height, long width, Generator generator)
    {
        // Draw order per image: Attempts area numbers, Attempts ratio numbers, x offset, y offset, flip.
        var u = rand(new[] { n, 2 * Attempts + 3 }, dtype: ScalarType.Float64, generator: generator);
        var area = u[.., ..Attempts] * (MaxScale - MinScale) + MinScale;
        double logLo = Math.Log(MinRatio), logHi = Math.Log(MaxRatio);
        var ratio = (u[.., Attempts..(2 * Attempts)] * (logHi - logLo) + logLo).exp();

        // Crop sides as fractions of the image: pixel area a·H·W with aspect w/h = r.
        double imageAspect = (double)height / width;
        var cropW = (area * ratio * imageAspect).sqrt();
        var cropH = (area / ratio / imageAspect).sqrt();
        var fits = cropW.le(1.0).logical_and(cropH.le(1.0));
        var first = fits.to_type(ScalarType.Int32).argmax(1, keepdim: true); // index of the first attempt that fits
        var anyFits = fits.any(1);
        var (fallbackW, fallbackH) = Fallback(height, width);
        var cw = where(anyFits, cropW.gather(1, first).squeeze(1), tensor(fallbackW, ScalarType.Float64));
        var ch = where(anyFits, cropH.gather(1, first).squeeze(1), tensor(fallbackH, ScalarType.Float64));

        // Uniform offset over the positions where the crop fits: centre in [-1 + w, 1 - w]; the fallback is centred.
        var centred = tensor(0.0, ScalarType.Float64);
        var cx = where(anyFits, (u[.., 2 * Attempts] * 2.0 - 1.0) * (1.0 - cw), centred);
        var cy = where(anyFits, (u[.., 2 * Attempts + 1] * 2.0 - 1.0) * (1.0 - ch), centred);
        var flip = where(u[.., 2 * Attempts + 2].lt(FlipProbability), tensor(-1.0, ScalarType.Float64), tensor(1.0, ScalarType.Float64));

        var zero = zeros(n, dtype: ScalarType.Float64);
        var row0 = stack(new[] { cw * flip, zero, cx }, 1);
        var row1 = stack(new[] { zero, ch, cy }, 1);
        return stack(new[] { row0, row1 }, 1); // N×2×3
    }

    /// <summary>torchvision's fallback when no attempt fits: the whole image, its ratio clamped into range.</summary>
    (double W, double H) Fallback(long height, long width)
    {
        double aspect = (double)width / height;
        if (aspect < MinRatio) return (1.0, aspect / MinRatio);
        if (aspect > MaxRatio) return (MaxRatio / aspect, 1.0);
        return (1.0, 1.0);
    }

    public override string ToString() => IsIdentity
        ? Name
        : $"{Name}: random resized crop area [{MinScale}, {MaxScale}], ratio [{MinRatio:0.###}, {MaxRatio:0.###}], flip p={FlipProbability}";
}
