using TorchSharp;
using static TorchSharp.torch;

namespace LDae.Models;

/// <summary>
/// Drop path (stochastic depth) of a residual branch: in training each sample's branch output is dropped with
/// probability <see cref="Rate"/> and the kept ones are scaled by 1/(1 − rate), so its expectation is the branch
/// itself; in evaluation the branch passes unchanged. The draws come from <see cref="Noise"/>, which the caller
/// reseeds per step, so a run is a function of its seed.
/// </summary>
public sealed class DropPath(double rate)
{
    public double Rate { get; } = rate is >= 0 and < 1 ? rate : throw new ArgumentOutOfRangeException(nameof(rate), rate, "drop-path rate must be in [0, 1)");

    /// <summary>The generator of the next draws (required while training with a rate above 0).</summary>
    public Generator? Noise { get; set; }

    /// <summary>The branch output N×… with each sample dropped (training) or unchanged (evaluation).</summary>
    public Tensor Apply(Tensor branch, bool training)
    {
        if (!training || Rate == 0) return branch;
        var g = Noise ?? throw new InvalidOperationException("drop path in training needs a generator (DropPath.Noise)");
        double keep = 1 - Rate;
        var shape = new long[branch.ndim];
        Array.Fill(shape, 1L);
        shape[0] = branch.shape[0];
        using var draw = rand(shape, generator: g);
        using var kept = draw.lt(keep).to(branch.dtype).div_(keep);
        using var mask = kept.to(branch.device);
        return branch * mask;
    }
}

/// <summary>A residual block whose branches can be dropped per sample (fine-tuning's stochastic depth); null: never.</summary>
public interface IDropPathBlock
{
    DropPath? DropPath { get; set; }
}
