using static TorchSharp.torch;

namespace LDae.Data;

/// <summary>
/// Prepare-time resizing of sources that arrive already decoded (IDX, CIFAR binary): shorter side to the target,
/// then the centred square — the same geometry <see cref="ImageFolder"/> applies with SkiaSharp while decoding.
/// Bilinear with antialiasing (so downscaling averages instead of skipping pixels), rounded back to uint8.
/// </summary>
public static class ImageResize
{
    const int Chunk = 2048; // images per interpolate call: bounds the float32 working memory

    public static ImageDataset ToSquare(ImageDataset source, int size)
    {
        if (size <= 0) throw new ArgumentOutOfRangeException(nameof(size));
        double scale = (double)size / Math.Min(source.Height, source.Width);
        long h = Math.Max(size, (long)Math.Round(source.Height * scale)), w = Math.Max(size, (long)Math.Round(source.Width * scale));
        long y0 = (h - size) / 2, x0 = (w - size) / 2;

        using var scope = NewDisposeScope();
        var parts = new List<Tensor>();
        for (long start = 0; start < source.Count; start += Chunk)
        {
            using var inner = NewDisposeScope();
            var x = source.Images.narrow(0, start, Math.Min(Chunk, source.Count - start)).to_type(ScalarType.Float32);
            var y = nn.functional.interpolate(x, [h, w], mode: InterpolationMode.Bilinear, align_corners: false, antialias: true);
            var square = y.narrow(2, y0, size).narrow(3, x0, size).round().clamp(0, 255).to_type(ScalarType.Byte);
            parts.Add(square.MoveToOuterDisposeScope());
        }
        var images = parts.Count == 0
            ? empty([0, source.Channels, size, size], ScalarType.Byte)
            : cat(parts, 0);
        return new ImageDataset(source.Name, images, source.Labels.clone(), source.ClassNames);
    }
}
