using LDae.Data;
using static TorchSharp.torch;

namespace LDae.Evaluation;

/// <summary>How the linear probe gets its training features.</summary>
public enum ProbeFeatureMode
{
    /// <summary>One pass of the frozen encoder over the stored images; every epoch trains on the same matrix (the fast path).</summary>
    Cached,

    /// <summary>MAE's linear probe: a new random resized crop + flip of every training image each epoch, one center crop for testing.</summary>
    Augmented,
}

/// <summary>
/// The views of an image in MAE's linear probe (its main_linprobe.py): for training, RandomResizedCrop with
/// torchvision's defaults (area [0.08, 1], aspect ratio [3/4, 4/3]) and a horizontal flip; for testing,
/// Resize(256) + CenterCrop(224), i.e. the central 224/256 = 0.875 of the image at the input size.
/// </summary>
/// <remarks>
/// Both are applied to the stored images (already at the profile's size, e.g. 256² for ImageNet), through
/// <see cref="Augmentation"/>: bilinear, sub-pixel exact crops (MAE resamples bicubically to whole pixels).
/// </remarks>
public static class ProbeTransforms
{
    /// <summary>The test view keeps the central 224/256 of each side.</summary>
    public const double CenterCropFraction = 224.0 / 256.0;

    /// <summary>The training view: random resized crop, area [0.08, 1], ratio [3/4, 4/3], flip p = 0.5.</summary>
    public static Augmentation Train { get; } = new("mae-linear-probe", 0.08, 1.0, 3.0 / 4.0, 4.0 / 3.0, 0.5);

    /// <summary>The test view of a float batch N×C×S×S (model input): resize to S/0.875, center crop S.</summary>
    public static Tensor Test(Tensor images) => Augmentation.CropCenter(images, CenterCropFraction);
}
