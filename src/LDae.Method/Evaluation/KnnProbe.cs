using static TorchSharp.torch;

namespace LDae.Evaluation;

/// <summary>
/// Weighted k-nearest-neighbour classification on frozen features, the non-parametric probe of InstDisc
/// (Wu et al. 2018) and DINO: features are L2-normalised, similarity is cosine, each of the k most similar
/// training examples votes for its class with weight exp(sim / T), and the class with the largest total wins.
/// Defaults k = 20, T = 0.07 (DINO's). Small T approaches 1-nearest-neighbour; large T approaches an
/// unweighted majority vote of the k. Ties go to the lowest class index.
/// </summary>
/// <remarks>
/// Batched: a block of queries × all training rows is one matmul followed by topk; no per-sample loops. The
/// weights are computed as exp((sim − max sim) / T), which is the same vote up to a per-query factor but
/// cannot overflow for small T.
/// </remarks>
public static class KnnProbe
{
    public const int DefaultK = 20;
    public const double DefaultTemperature = 0.07;

    /// <summary>Predicted class (int64, length Q) for each query row.</summary>
    public static Tensor Predict(
        Tensor trainFeatures, Tensor trainLabels, Tensor queryFeatures, int numClasses,
        int k = DefaultK, double temperature = DefaultTemperature, int queryBlock = 1024)
    {
        if (k <= 0) throw new ArgumentOutOfRangeException(nameof(k));
        if (temperature <= 0) throw new ArgumentOutOfRangeException(nameof(temperature));
        long q = queryFeatures.shape[0];
        int kk = (int)Math.Min(k, trainFeatures.shape[0]);

        var predictions = empty(q, dtype: ScalarType.Int64);
        using var _ = no_grad();
        using var bank = nn.functional.normalize(trainFeatures.to(ScalarType.Float32), dim: 1);
        using var labels = trainLabels.to(ScalarType.Int64);
        for (long s = 0; s < q; s += queryBlock)
        {
            using var scope = NewDisposeScope();
            long len = Math.Min(queryBlock, q - s);
            var queries = nn.functional.normalize(queryFeatures.narrow(0, s, len).to(ScalarType.Float32), dim: 1);
            var (sims, idx) = topk(queries.matmul(bank.t()), kk, dim: 1);           // len×k, sorted descending
            var weights = sims.sub(sims.narrow(1, 0, 1)).div_(temperature).exp_();  // exp((sim − max)/T)
            var votes = zeros(len, numClasses).scatter_add_(1, labels[idx], weights);
            predictions.narrow(0, s, len).copy_(votes.argmax(1));
        }
        return predictions;
    }

    /// <summary>Top-1 accuracy of <see cref="Predict"/> on a labelled query set.</summary>
    public static double Top1(
        Tensor trainFeatures, Tensor trainLabels, Tensor testFeatures, Tensor testLabels, int numClasses,
        int k = DefaultK, double temperature = DefaultTemperature)
    {
        using var predicted = Predict(trainFeatures, trainLabels, testFeatures, numClasses, k, temperature);
        return Accuracy.Top1(predicted, testLabels);
    }
}
