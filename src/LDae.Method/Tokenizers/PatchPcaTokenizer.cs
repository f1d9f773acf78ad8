using LDae.Files;
using TorchSharp;
using static TorchSharp.torch;

namespace LDae.Tokenizers;

/// <summary>
/// Patch-wise PCA, the simplest tokenizer of the paper's Table 2 and the one l-DAE keeps: every p×p×C patch
/// (D = p²C values) is centred with the training mean and projected onto the top-d principal directions.
/// Encode = project (d values per cell), Decode = inverse projection + mean. Fitted once, then frozen and
/// saved as an artifact shared by every row that names it.
/// </summary>
public sealed class PatchPcaTokenizer : ITokenizer
{
    const string Magic = "LDAE-PATCH-PCA";
    const int FormatVersion = 1;

    PatchPcaTokenizer(int patch, int channels, LatentScaling scaling, Tensor mean, Tensor basis, Tensor eigenvalues, Tensor scale)
    {
        Patch = patch;
        ImageChannels = channels;
        Scaling = scaling;
        Mean = mean;
        Basis = basis;
        Eigenvalues = eigenvalues;
        Scale = scale;
        LatentDim = (int)basis.shape[1];
    }

    public string Kind => "patch-pca";
    public int Patch { get; }
    public int LatentDim { get; }
    public int ImageChannels { get; }
    public LatentScaling Scaling { get; }

    /// <summary>Values per patch, D = p·p·C.</summary>
    public int PatchDim => Patch * Patch * ImageChannels;

    /// <summary>Principal directions as columns, D×d, float32, orthonormal, by decreasing eigenvalue.</summary>
    public Tensor Basis { get; }

    /// <summary>Training mean of the flattened patches, D, float32.</summary>
    public Tensor Mean { get; }

    /// <summary>All D eigenvalues of the patch covariance, decreasing, float64 (variance along each direction).</summary>
    public Tensor Eigenvalues { get; }

    /// <summary>Per-dimension divisor applied after projection (d, float32); all ones for <see cref="LatentScaling.None"/>.</summary>
    public Tensor Scale { get; }

    /// <summary>Fraction of the patch variance kept by the top d directions (on the fitting data).</summary>
    public double ExplainedVariance
    {
        get
        {
            using var scope = NewDisposeScope();
            return Eigenvalues[..LatentDim].sum().item<double>() / Eigenvalues.sum().item<double>();
        }
    }

    /// <summary>
    /// Fits the PCA on <paramref name="images"/> (N×C×H×W, float in [-1, 1]). The covariance is accumulated
    /// in float64 over chunks of images (so memory stays at D×D), normalised by the number of patches, and
    /// diagonalised with <c>torch.linalg.eigh</c>.
    /// </summary>
    public static PatchPcaTokenizer Fit(Tensor images, int patch, int latentDim, LatentScaling scaling = LatentScaling.None, int chunk = 1024)
    {
        if (images.dim() != 4) throw new ArgumentException("expected images N×C×H×W");
        if (!images.is_floating_point()) throw new ArgumentException("expected float images in [-1, 1]");
        int channels = (int)images.shape[1];
        int dim = patch * patch * channels;
        if (latentDim < 1 || latentDim > dim)
            throw new ArgumentOutOfRangeException(nameof(latentDim), $"latent dim must be in 1..{dim} (p·p·C), got {latentDim}");

        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var sum = zeros(dim, dtype: ScalarType.Float64);
        var outer = zeros(dim, dim, dtype: ScalarType.Float64);
        long count = 0;
        long n = images.shape[0];
        for (long start = 0; start < n; start += chunk)
        {
            using var chunkScope = NewDisposeScope();
            var x = Patches.Patchify(images.narrow(0, start, Math.Min(chunk, n - start)), patch)
                .reshape(-1, dim).to_type(ScalarType.Float64);
            sum.add_(x.sum(0L));                            // 0L: a literal 0 would bind to sum(ScalarType), 0 = Byte
            outer.add_(x.t().mm(x));
            count += x.shape[0];
        }
        var mean = sum / count;
        var cov = outer / count - outer_product(mean);
        cov = (cov + cov.t()) / 2;                           // exact symmetry for eigh

        var (values, vectors) = linalg.eigh(cov);           // ascending
        values = values.flip(0).clamp_min(0);               // decreasing; round-off can make tiny ones negative
        vectors = vectors.flip(1);
        // eigenvectors are defined up to sign: make the largest-magnitude entry of each positive, so a refit
        // on the same data gives the same latent.
        var pivot = vectors.abs().argmax(0).unsqueeze(0);
        var sign = vectors.gather(0, pivot).sign();
        vectors = vectors * where(sign == 0, ones_like(sign), sign);

        var top = values[..latentDim];
        var scale = scaling switch
        {
            LatentScaling.None => ones(latentDim, dtype: ScalarType.Float64),
            LatentScaling.Global => full(latentDim, Math.Sqrt(top.mean().item<double>()), dtype: ScalarType.Float64),
            LatentScaling.PerDimension => top.sqrt(),
            _ => throw new ArgumentOutOfRangeException(nameof(scaling)),
        };
        scale = scale.clamp_min(1e-8);                      // a zero-variance direction stays zero instead of NaN

        var result = new PatchPcaTokenizer(patch, channels, scaling,
            mean.to_type(ScalarType.Float32).DetachFromDisposeScope(),
            vectors[.., ..latentDim].to_type(ScalarType.Float32).contiguous().DetachFromDisposeScope(),
            values.contiguous().DetachFromDisposeScope(),
            scale.to_type(ScalarType.Float32).DetachFromDisposeScope());
        return result;
    }

    static Tensor outer_product(Tensor v) => v.unsqueeze(1) * v.unsqueeze(0);

    /// <summary>Images N×C×H×W → latent grid N×d×(H/p)×(W/p): z = Pᵀ(x − μ) / s per patch.</summary>
    public Tensor Encode(Tensor images)
    {
        CheckImages(images);
        using var scope = NewDisposeScope();
        var tokens = Patches.Patchify(images, Patch);
        var z = (tokens - Mean).matmul(Basis) / Scale;
        return Patches.TokensToGrid(z, images.shape[2] / Patch, images.shape[3] / Patch).MoveToOuterDisposeScope();
    }

    /// <summary>Latent grid N×d×h×w → images N×C×(h·p)×(w·p): x = P (s·z) + μ per patch.</summary>
    public Tensor Decode(Tensor latent)
    {
        if (latent.dim() != 4 || latent.shape[1] != LatentDim)
            throw new ArgumentException($"expected a latent grid N×{LatentDim}×h×w, got shape [{string.Join(",", latent.shape)}]");
        using var scope = NewDisposeScope();
        var z = Patches.GridToTokens(latent) * Scale;
        var tokens = z.matmul(Basis.t()) + Mean;
        return Patches.Unpatchify(tokens, Patch, ImageChannels, (int)latent.shape[2] * Patch, (int)latent.shape[3] * Patch)
            .MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The orthogonal projection P Pᵀ onto the kept principal subspace, in pixel coordinates, applied per
    /// patch. Linear (no mean): meant for differences such as prediction − target, or centred data.
    /// Accepts images N×C×H×W or patch tokens N×L×D.
    /// </summary>
    public Tensor ProjectToSubspace(Tensor imagesOrPatches)
    {
        using var scope = NewDisposeScope();
        if (imagesOrPatches.dim() == 3 && imagesOrPatches.shape[2] == PatchDim)
            return imagesOrPatches.matmul(Basis).matmul(Basis.t()).MoveToOuterDisposeScope();
        CheckImages(imagesOrPatches);
        var tokens = Patches.Patchify(imagesOrPatches, Patch);
        var projected = tokens.matmul(Basis).matmul(Basis.t());
        return Patches.Unpatchify(projected, Patch, ImageChannels, (int)imagesOrPatches.shape[2], (int)imagesOrPatches.shape[3])
            .MoveToOuterDisposeScope();
    }

    /// <summary>(I − P Pᵀ) x: the part a d-dimensional latent cannot represent (the D − d discarded directions).</summary>
    public Tensor Residual(Tensor imagesOrPatches)
    {
        using var scope = NewDisposeScope();
        return (imagesOrPatches - ProjectToSubspace(imagesOrPatches)).MoveToOuterDisposeScope();
    }

    void CheckImages(Tensor images)
    {
        if (images.dim() != 4 || images.shape[1] != ImageChannels)
            throw new ArgumentException($"expected images N×{ImageChannels}×H×W, got shape [{string.Join(",", images.shape)}]");
        // a side not divisible by the patch is refused by Patches.Patchify
    }

    /// <summary>Writes the fitted PCA (header + mean, basis, eigenvalues, scale); atomic, with its SHA-256 beside it (<see cref="VerifiedFile"/>).</summary>
    public void Save(string path)
    {
        VerifiedFile.WriteBinary(path, writer =>
        {
            LDae.Training.ModuleFile.WriteHeader(writer, Magic, FormatVersion);
            writer.Write(Patch);
            writer.Write(ImageChannels);
            writer.Write(LatentDim);
            writer.Write((int)Scaling);
            Mean.Save(writer);
            Basis.Save(writer);
            Eigenvalues.Save(writer);
            Scale.Save(writer);
        });
    }

    /// <summary>Reads a PCA written by <see cref="Save"/>.</summary>
    public static PatchPcaTokenizer Load(string path)
    {
        using var reader = LDae.Training.ModuleFile.OpenRead(path, Magic, FormatVersion, "patch-PCA");
        int patch = reader.ReadInt32(), channels = reader.ReadInt32(), latentDim = reader.ReadInt32();
        var scaling = (LatentScaling)reader.ReadInt32();
        var mean = TensorExtensionMethods.Load(reader);
        var basis = TensorExtensionMethods.Load(reader);
        var eigenvalues = TensorExtensionMethods.Load(reader);
        var scale = TensorExtensionMethods.Load(reader);
        int dim = patch * patch * channels;
        if (mean.shape[0] != dim || basis.shape[0] != dim || basis.shape[1] != latentDim || eigenvalues.shape[0] != dim || scale.shape[0] != latentDim)
            throw new InvalidDataException($"{path}: tensor shapes do not match the header (p={patch}, C={channels}, d={latentDim})");
        return new PatchPcaTokenizer(patch, channels, scaling, mean, basis, eigenvalues, scale);
    }

    public void Dispose()
    {
        Mean.Dispose();
        Basis.Dispose();
        Eigenvalues.Dispose();
        Scale.Dispose();
    }
}
