using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LDae.Training;

/// <summary>
/// Which parameters get weight decay. Following MAE (and timm's <c>param_groups_weight_decay</c>): weight
/// matrices and convolution kernels decay; biases and every 1-D parameter (LayerNorm/BatchNorm scales) do not,
/// nor do parameters whose name contains one of the configured substrings (e.g. a learned "pos_embed").
/// Decaying a norm's scale or a bias only shrinks the function's range without regularising its complexity.
/// Frozen parameters (requires_grad = false) are in neither group.
/// </summary>
public static class WeightDecayGroups
{
    public static bool Decays(string name, Tensor parameter, IReadOnlyList<string> noDecayNames) =>
        parameter.ndim > 1
        && !name.EndsWith("bias", StringComparison.Ordinal)
        && !noDecayNames.Any(s => name.Contains(s, StringComparison.Ordinal));

    public static (IReadOnlyList<Parameter> Decay, IReadOnlyList<Parameter> NoDecay) Split(nn.Module model, IReadOnlyList<string> noDecayNames)
    {
        var decay = new List<Parameter>();
        var noDecay = new List<Parameter>();
        foreach (var (name, p) in model.named_parameters())
        {
            if (!p.requires_grad) continue;
            (Decays(name, p, noDecayNames) ? decay : noDecay).Add(p);
        }
        return (decay, noDecay);
    }

    /// <summary>AdamW over the trainable parameters with the two groups (empty groups are left out).</summary>
    /// <param name="threads">The data-parallel replicas whose threads share the parameters' updates; null: the calling thread.</param>
    public static AdamW AdamW(nn.Module model, TrainOptions o, DataParallel? threads = null)
    {
        var (decay, noDecay) = Split(model, o.NoWeightDecayNames);
        var groups = new List<AdamW.ParamGroup>();
        if (decay.Count > 0) groups.Add(new AdamW.ParamGroup(decay, o.PeakLr, o.Beta1, o.Beta2, o.AdamEps, o.WeightDecay));
        if (noDecay.Count > 0) groups.Add(new AdamW.ParamGroup(noDecay, o.PeakLr, o.Beta1, o.Beta2, o.AdamEps, 0.0));
        if (groups.Count == 0) throw new ArgumentException("the model has no trainable parameters");
        return new AdamW(groups, o.PeakLr, o.Beta1, o.Beta2, o.AdamEps, o.WeightDecay, threads);
    }
}
