using TorchSharp;
using static TorchSharp.torch;

namespace LDae.Tokenizers;

/// <summary>
/// Cutting images into non-overlapping p×p patches and putting them back. A patch is flattened in
/// (row, column, channel) order, DiT's "pqc" order, so D = p·p·C values per patch.
/// </summary>
/// <remarks>
/// Three equivalent views of the same numbers:
/// image N×C×H×W ⇄ grid N×(p²C)×(H/p)×(W/p) ("space-to-depth": one cell per patch) ⇄ tokens N×L×(p²C), L = (H/p)(W/p).
/// </remarks>
public static class Patches
{
    /// <summary>N×C×H×W → N×L×(p·p·C), tokens in row-major order of the patch grid.</summary>
    public static Tensor Patchify(Tensor images, int p)
    {
        using var scope = NewDisposeScope();
        return GridToTokens(ImageToGrid(images, p)).MoveToOuterDisposeScope();
    }

    /// <summary>N×L×(p·p·C) → N×C×H×W; the inverse of <see cref="Patchify"/>.</summary>
    public static Tensor Unpatchify(Tensor tokens, int p, int channels, int height, int width)
    {
        if (height % p != 0 || width % p != 0)
            throw new ArgumentException($"image size {height}×{width} is not divisible by the patch size {p}");
        using var scope = NewDisposeScope();
        return GridToImage(TokensToGrid(tokens, height / p, width / p), p, channels).MoveToOuterDisposeScope();
    }

    /// <summary>Space-to-depth: N×C×H×W → N×(p·p·C)×(H/p)×(W/p); each cell holds its patch in (row, column, channel) order.</summary>
    public static Tensor ImageToGrid(Tensor images, int p)
    {
        if (images.dim() != 4) throw new ArgumentException($"expected images N×C×H×W, got shape [{string.Join(",", images.shape)}]");
        long n = images.shape[0], c = images.shape[1], h = images.shape[2], w = images.shape[3];
        if (p < 1 || h % p != 0 || w % p != 0)
            throw new ArgumentException($"image size {h}×{w} is not divisible by the patch size {p}");
        if (p == 1) return images.alias();
        using var scope = NewDisposeScope();
        return images.reshape(n, c, h / p, p, w / p, p)
            .permute(0, 3, 5, 1, 2, 4)                      // n, row-in-patch, col-in-patch, c, grid rows, grid cols
            .reshape(n, p * p * c, h / p, w / p)
            .MoveToOuterDisposeScope();
    }

    /// <summary>Depth-to-space: N×(p·p·C)×h×w → N×C×(h·p)×(w·p); the inverse of <see cref="ImageToGrid"/>.</summary>
    public static Tensor GridToImage(Tensor grid, int p, int channels)
    {
        if (grid.dim() != 4) throw new ArgumentException($"expected a grid N×D×h×w, got shape [{string.Join(",", grid.shape)}]");
        long n = grid.shape[0], d = grid.shape[1], h = grid.shape[2], w = grid.shape[3];
        if (d != (long)p * p * channels)
            throw new ArgumentException($"grid has {d} channels, expected p·p·C = {p * p * channels}");
        if (p == 1) return grid.alias();
        using var scope = NewDisposeScope();
        return grid.reshape(n, p, p, channels, h, w)
            .permute(0, 3, 4, 1, 5, 2)                      // n, c, grid rows, row-in-patch, grid cols, col-in-patch
            .reshape(n, channels, h * p, w * p)
            .MoveToOuterDisposeScope();
    }

    /// <summary>Latent grid N×d×h×w → tokens N×(h·w)×d.</summary>
    public static Tensor GridToTokens(Tensor grid)
    {
        if (grid.dim() != 4) throw new ArgumentException($"expected a grid N×d×h×w, got shape [{string.Join(",", grid.shape)}]");
        using var scope = NewDisposeScope();
        return grid.flatten(2).transpose(1, 2).contiguous().MoveToOuterDisposeScope();
    }

    /// <summary>Tokens N×(h·w)×d → latent grid N×d×h×w.</summary>
    public static Tensor TokensToGrid(Tensor tokens, long height, long width)
    {
        if (tokens.dim() != 3 || tokens.shape[1] != height * width)
            throw new ArgumentException($"expected tokens N×{height * width}×d, got shape [{string.Join(",", tokens.shape)}]");
        using var scope = NewDisposeScope();
        return tokens.transpose(1, 2).reshape(tokens.shape[0], tokens.shape[2], height, width).MoveToOuterDisposeScope();
    }
}
