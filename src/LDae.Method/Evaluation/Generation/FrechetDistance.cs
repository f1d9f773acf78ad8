using static TorchSharp.torch;

namespace LDae.Evaluation.Generation;

/// <summary>The mean and covariance of a set of feature vectors, in float64.</summary>
public sealed record FeatureMoments(double[] Mean, double[,] Covariance, long Count)
{
    public int Dim => Mean.Length;

    /// <summary>Mean and unbiased covariance (divided by N − 1) of N×D features; computed in float64.</summary>
    public static FeatureMoments Of(Tensor features)
    {
        if (features.dim() != 2) throw new ArgumentException($"expected N×D features, got shape [{string.Join(",", features.shape)}]");
        long n = features.shape[0];
        if (n < 2) throw new ArgumentException($"a covariance needs at least 2 feature vectors, got {n}");
        using var scope = NewDisposeScope();
        var x = features.to_type(ScalarType.Float64);
        var mean = x.mean([0]);
        var centred = x - mean;
        var cov = centred.T.matmul(centred) / (n - 1);
        int d = (int)features.shape[1];
        var covariance = new double[d, d];
        var flat = cov.contiguous().data<double>().ToArray();
        Buffer.BlockCopy(flat, 0, covariance, 0, flat.Length * sizeof(double));
        return new FeatureMoments(mean.data<double>().ToArray(), covariance, n);
    }
}

/// <summary>
/// The Fréchet distance between two Gaussians fitted to feature sets — FID when the features are Inception-v3's:
/// ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr (Σ₁ Σ₂)^{1/2}.
/// </summary>
/// <remarks>
/// tr (Σ₁Σ₂)^{1/2} is computed as Σᵢ √λᵢ of the symmetric positive semi-definite matrix Σ₁^{1/2} Σ₂ Σ₁^{1/2}, which
/// is similar to Σ₁Σ₂ and so has the same eigenvalues; both square roots come from symmetric eigen-decompositions in
/// float64 (eigenvalues that rounding makes slightly negative are taken as 0). This avoids the non-symmetric matrix
/// square root (and its complex round-off) of the reference implementations while giving the same number.
/// </remarks>
public static class FrechetDistance
{
    public static double Between(Tensor features1, Tensor features2) => Of(FeatureMoments.Of(features1), FeatureMoments.Of(features2));

    public static double Of(FeatureMoments a, FeatureMoments b)
    {
        if (a.Dim != b.Dim) throw new ArgumentException($"feature dimensions differ: {a.Dim} vs {b.Dim}");
        using var scope = NewDisposeScope();
        var mu1 = tensor(a.Mean, ScalarType.Float64);
        var mu2 = tensor(b.Mean, ScalarType.Float64);
        var s1 = tensor(a.Covariance, ScalarType.Float64);
        var s2 = tensor(b.Covariance, ScalarType.Float64);
        var diff = mu1 - mu2;
        var root1 = SymmetricSquareRoot(s1);
        var product = root1.matmul(s2).matmul(root1);
        product = (product + product.T) / 2;
        var traceOfRoot = linalg.eigvalsh(product).clamp_min(0).sqrt().sum();
        var distance = diff.dot(diff) + s1.trace() + s2.trace() - 2 * traceOfRoot;
        // Round-off can leave a distance of identical sets a hair below 0.
        return Math.Max(0, distance.item<double>());
    }

    /// <summary>The symmetric positive semi-definite square root V diag(√λ) Vᵀ of a symmetric matrix.</summary>
    public static Tensor SymmetricSquareRoot(Tensor symmetric)
    {
        using var scope = NewDisposeScope();
        var (values, vectors) = linalg.eigh((symmetric + symmetric.T) / 2);
        return vectors.matmul(diag(values.clamp_min(0).sqrt())).matmul(vectors.T).MoveToOuterDisposeScope();
    }
}
