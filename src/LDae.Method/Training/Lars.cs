using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LDae.Training;

/// <summary>
/// LARS, layer-wise adaptive rate scaling (You, Gitman, Ginsburg 2017), in the form MAE's linear probe uses it
/// (MAE's util/lars.py): for a parameter w with more than one dimension (a weight matrix), the update direction
/// d = g + λ·w is rescaled by the trust ratio q = η·‖w‖/‖d‖ (q = 1 when ‖w‖ or ‖d‖ is 0); biases and
/// normalisation parameters (≤ 1 dimension) get neither weight decay nor the trust ratio. Then heavy-ball
/// momentum, μ ← m·μ + q·d (μ starts at 0), and w ← w − lr·μ. No closure, no Nesterov, no dampening.
/// </summary>
/// <remarks>
/// TorchSharp has no LARS. This is TorchSharp's <see cref="TorchSharp.Modules.SGD"/> (its options, parameter
/// groups, learning-rate handling and momentum-buffer state) with the step replaced, so the probe sets the
/// learning rate of either optimizer the same way. With η = 0.001 (MAE's trust coefficient) every weight-matrix
/// step has norm lr·η·‖w‖ before momentum: the learning rate sets a relative change per step, which is what lets
/// MAE's probe train at lr 6.4 with batch 16384.
/// </remarks>
public sealed class Lars : TorchSharp.Modules.SGD
{
    /// <summary>MAE's trust coefficient η.</summary>
    public const double DefaultTrustCoefficient = 0.001;

    public Lars(IEnumerable<Parameter> parameters, double lr, double momentum = 0.9, double weightDecay = 0,
        double trustCoefficient = DefaultTrustCoefficient)
        : base(parameters, lr, momentum, dampening: 0, weight_decay: weightDecay)
    {
        if (!(trustCoefficient > 0)) throw new ArgumentOutOfRangeException(nameof(trustCoefficient), "the trust coefficient must be positive");
        TrustCoefficient = trustCoefficient;
    }

    public double TrustCoefficient { get; }

    /// <summary>One LARS step for every parameter with a gradient.</summary>
    public override Tensor step(Func<Tensor>? closure = null)
    {
        if (closure is not null) throw new NotSupportedException("LDae.Training.Lars.step takes no closure");
        using var noGrad = no_grad();
        foreach (var group in _parameter_groups)
        {
            var o = (Options)group.Options;
            double lr = o.LearningRate!.Value, momentum = o.momentum!.Value, weightDecay = o.weight_decay!.Value;
            foreach (var p in group.Parameters)
            {
                using var grad = p.grad;
                if (grad is null) continue;
                using var scope = NewDisposeScope();
                var direction = p.ndim > 1 ? TrustScaled(p, grad, weightDecay) : grad.alias();
                var state = (State)_state[p.Handle];
                if (state.momentum_buffer is null)
                    state.momentum_buffer = zeros_like(p).DetachFromDisposeScope();
                state.momentum_buffer.mul_(momentum).add_(direction);
                p.add_(state.momentum_buffer, alpha: -lr);
            }
        }
        return null!;   // no closure, so no loss to return
    }

    /// <summary>q·(g + λw) with q = η‖w‖/‖g + λw‖, or g + λw itself when either norm is 0.</summary>
    Tensor TrustScaled(Tensor weight, Tensor grad, double weightDecay)
    {
        var d = weightDecay != 0 ? grad.add(weight, alpha: weightDecay) : grad.alias();
        var weightNorm = weight.norm();
        var directionNorm = d.norm();
        var one = ones_like(weightNorm);
        var q = where(weightNorm.gt(0), where(directionNorm.gt(0), TrustCoefficient * weightNorm / directionNorm, one), one);
        return d.mul(q);
    }
}
