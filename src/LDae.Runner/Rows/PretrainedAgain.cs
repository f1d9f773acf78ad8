namespace LDae.Rows;

/// <summary>
/// A finished row pretrained again for its weights (they are not committed; <see cref="SourceWeights"/>) should give
/// the weights its published result was measured on: same configuration, seed and threads. Another machine's kernels
/// (another BLAS path or ISA) can train different weights all the same; the final loss, as the metrics round it, tells.
/// </summary>
public static class PretrainedAgain
{
    /// <summary>The console line comparing the run's final loss with the published one (metrics.json: 6 decimals).</summary>
    public static string Compare(string resultId, double finalLoss, double publishedFinalLoss)
    {
        double again = Math.Round(finalLoss, 6);
        return again == publishedFinalLoss
            ? $"{resultId}: pretrained again with its published final loss {publishedFinalLoss:0.######}: the weights its result was measured on"
            : $"{resultId}: warning: pretrained again to final loss {again:0.######}, its published result has {publishedFinalLoss:0.######}: "
              + "these weights differ from those its result was measured on (another machine's kernels?), and the rows that probe them measure these";
    }
}
