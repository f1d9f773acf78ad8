using static TorchSharp.torch;

namespace LDae.Evaluation;

/// <summary>
/// The "raw pixels" reference row: the feature of an image is the image itself, flattened. Applied to model
/// input (float, [−1, 1]) so it plugs into <see cref="FeatureExtractor"/> exactly like an encoder's features;
/// the probe's BatchNorm standardises each pixel anyway, and for kNN the centring around 0 keeps cosine
/// similarity from being dominated by overall brightness.
/// </summary>
public static class RawPixelFeatures
{
    public static Tensor Of(Tensor input) => input.flatten(1).to(ScalarType.Float32);
}
