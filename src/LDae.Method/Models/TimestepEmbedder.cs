using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LDae.Models;

/// <summary>
/// DiT's timestep embedder: sinusoidal features of t (256 frequencies) → Linear → SiLU → Linear, to the
/// conditioning width (DiT: the model width; the paper: a quarter of it, see BackboneOptions.ConditioningWidth).
/// </summary>
public sealed class TimestepEmbedder : nn.Module<Tensor, Tensor>
{
    public const int FrequencyDim = 256;

    readonly Linear fc1, fc2;

    public TimestepEmbedder(int width) : base(nameof(TimestepEmbedder))
    {
        fc1 = nn.Linear(FrequencyDim, width);
        fc2 = nn.Linear(width, width);
        RegisterComponents();
    }

    public IEnumerable<Linear> Linears => [fc1, fc2];

    /// <summary>t: N (integer or float timesteps) → N×width.</summary>
    public override Tensor forward(Tensor t)
    {
        using var scope = NewDisposeScope();
        var features = Sinusoidal(t, FrequencyDim).to_type(fc1.weight!.dtype);
        return fc2.forward(nn.functional.silu(fc1.forward(features))).MoveToOuterDisposeScope();
    }

    /// <summary>[cos(t·ω_i), sin(t·ω_i)] with ω_i = maxPeriod^(−i/(dim/2)), i = 0..dim/2−1 → N×dim.</summary>
    public static Tensor Sinusoidal(Tensor t, int dim, double maxPeriod = 10000)
    {
        using var scope = NewDisposeScope();
        int half = dim / 2;
        var freqs = exp(-Math.Log(maxPeriod) * arange(half, dtype: ScalarType.Float32, device: t.device) / half);
        var args = t.to_type(ScalarType.Float32).unsqueeze(1) * freqs.unsqueeze(0);
        return cat([cos(args), sin(args)], 1).MoveToOuterDisposeScope();
    }
}
