using static TorchSharp.torch;

namespace LDae.Tests.Method;

/// <summary>
/// Structured test images (the data loader belongs to another area): a grey background with a few filled
/// rectangles and discs of random intensity, float32 in [-1, 1], N×C×S×S. Deterministic in the seed.
/// </summary>
public static class SyntheticShapes
{
    public static Tensor Make(int count, int channels = 1, int size = 28, int seed = 0)
    {
        var rng = new Random(seed);
        var data = new float[count * channels * size * size];
        for (int n = 0; n < count; n++)
        {
            var background = new float[channels];
            for (int c = 0; c < channels; c++) background[c] = (float)(rng.NextDouble() * 0.6 - 0.9);
            var img = new float[channels, size, size];
            for (int c = 0; c < channels; c++)
                for (int y = 0; y < size; y++)
                    for (int x = 0; x < size; x++) img[c, y, x] = background[c];
            int shapes = 1 + rng.Next(3);
            for (int s = 0; s < shapes; s++)
            {
                var colour = new float[channels];
                for (int c = 0; c < channels; c++) colour[c] = (float)(rng.NextDouble() * 1.6 - 0.6);
                bool disc = rng.Next(2) == 0;
                int cx = rng.Next(size), cy = rng.Next(size), r = 2 + rng.Next(size / 3);
                int w = 2 + rng.Next(size / 2), h = 2 + rng.Next(size / 2);
                for (int y = 0; y < size; y++)
                    for (int x = 0; x < size; x++)
                    {
                        bool inside = disc
                            ? (x - cx) * (x - cx) + (y - cy) * (y - cy) <= r * r
                            : x >= cx && x < cx + w && y >= cy && y < cy + h;
                        if (inside)
                            for (int c = 0; c < channels; c++) img[c, y, x] = colour[c];
                    }
            }
            int offset = n * channels * size * size;
            for (int c = 0; c < channels; c++)
                for (int y = 0; y < size; y++)
                    for (int x = 0; x < size; x++)
                        data[offset + (c * size + y) * size + x] = Math.Clamp(img[c, y, x], -1f, 1f);
        }
        return tensor(data, [count, channels, size, size]);
    }

    /// <summary>Max |a − b| as a double.</summary>
    public static double MaxAbsDiff(Tensor a, Tensor b)
    {
        using var d = (a - b).abs().max();
        return d.item<float>();
    }
}
