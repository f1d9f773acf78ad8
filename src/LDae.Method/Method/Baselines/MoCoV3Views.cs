using LDae.Data;
using static TorchSharp.torch;

namespace LDae.Method.Baselines;

/// <summary>
/// MoCo v3's two augmented views (the MoCo v3 paper, following BYOL): random resized crop with area [0.08, 1] and a
/// horizontal flip, colour jitter (brightness 0.4, contrast 0.4, saturation 0.2) with probability 0.8, grayscale
/// with probability 0.2, and solarisation with probability 0.2 on the second view only. Gaussian blur (p = 1 on the
/// first view, 0.1 on the second; kernel ~10 % of the image side) is left out: at 32² that kernel is about 3 pixels.
/// </summary>
/// <remarks>
/// Images are N×C×H×W in [-1, 1]; colour operations work in [0, 1]. Saturation and grayscale are identities on
/// single-channel images. All draws come from the step's generator, in a fixed order.
/// </remarks>
public static class MoCoV3Views
{
    public static Augmentation Crop { get; } = new("mocov3-crop", 0.08, 1.0, 3.0 / 4.0, 4.0 / 3.0, 0.5);

    public const double JitterProbability = 0.8, Brightness = 0.4, Contrast = 0.4, Saturation = 0.2;
    public const double GrayscaleProbability = 0.2, SolarizeProbability = 0.2;

    /// <summary>The two views of a batch: (view 1, view 2).</summary>
    public static (Tensor First, Tensor Second) Draw(Tensor images, Generator g)
    {
        using var scope = NewDisposeScope();
        var first = View(images, g, solarize: 0);
        var second = View(images, g, solarize: SolarizeProbability);
        return (first.MoveToOuterDisposeScope(), second.MoveToOuterDisposeScope());
    }

    static Tensor View(Tensor images, Generator g, double solarize)
    {
        using var scope = NewDisposeScope();
        var x = (Crop.Apply(images, g) + 1) / 2;                                 // [0, 1]
        long n = x.shape[0];
        var u = rand([n, 6], generator: g, device: x.device);                    // jitter?, b, c, s, gray?, solarize?
        var jitter = (u[.., 0] < JitterProbability).to_type(x.dtype).view(n, 1, 1, 1);
        var brightness = Factor(u[.., 1], Brightness, jitter);
        var contrast = Factor(u[.., 2], Contrast, jitter);
        var saturation = Factor(u[.., 3], Saturation, jitter);
        x = (x * brightness).clamp(0, 1);
        x = Blend(x, Gray(x).mean([1, 2, 3], keepdim: true), contrast);
        x = Blend(x, Gray(x), saturation);
        var gray = (u[.., 4] < GrayscaleProbability).to_type(x.dtype).view(n, 1, 1, 1);
        x = Blend(x, Gray(x), 1 - gray);
        var solar = (u[.., 5] < solarize).to_type(x.dtype).view(n, 1, 1, 1);
        x = x * (1 - solar) + where(x >= 0.5, 1 - x, x) * solar;
        return (x * 2 - 1).MoveToOuterDisposeScope();
    }

    /// <summary>A jitter factor uniform in [1 − s, 1 + s] where the image is jittered, 1 elsewhere.</summary>
    static Tensor Factor(Tensor u, double strength, Tensor jitter) =>
        1 + (u.view(-1, 1, 1, 1) * 2 - 1) * strength * jitter;

    /// <summary>factor·x + (1 − factor)·other, clamped to [0, 1] (torchvision's blend).</summary>
    static Tensor Blend(Tensor x, Tensor other, Tensor factor) => (x * factor + other * (1 - factor)).clamp(0, 1);

    /// <summary>ITU-R 601 luma for RGB (torchvision's weights), the image itself for one channel; N×1×H×W.</summary>
    static Tensor Gray(Tensor x) => x.shape[1] == 3
        ? (0.299 * x[.., 0..1] + 0.587 * x[.., 1..2] + 0.114 * x[.., 2..3])
        : x.mean([1], keepdim: true);
}
