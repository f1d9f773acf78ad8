using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LDae.Training;

/// <summary>
/// TorchSharp's AdamW with the parameters' updates split over the data-parallel replicas' threads, as ZeRO stage 1
/// shards the optimizer step across data-parallel workers: each thread updates its own parameters. Same state,
/// same checkpoint format, same bits: every parameter goes through exactly the op sequence of TorchSharp's
/// <see cref="TorchSharp.Modules.AdamW.step"/> (decoupled weight decay, then the moments, then the bias-corrected
/// update), and a parameter's update does not depend on which thread runs it.
/// </summary>
/// <remarks>
/// <para>Named AdamW because TorchSharp's state files record the optimizer's class name: checkpoints written with
/// TorchSharp's AdamW load into this one and back.</para>
/// <para>Why: with two replicas the step's serial tail (gradient sum, clipping, AdamW: ~4 ms of a ~100 ms quick-profile
/// step, nine passes over the parameters and moments) left one core idle; split over both cores (with
/// <see cref="GradientClipping"/> and the gradient sum) the tail measured 3.9 → 2.7 ms.</para>
/// </remarks>
public sealed class AdamW : TorchSharp.Modules.AdamW
{
    readonly DataParallel? threads;

    /// <param name="threads">The replicas whose threads run the updates; null: the calling thread runs them all.</param>
    public AdamW(IEnumerable<ParamGroup> groups, double lr, double beta1, double beta2, double eps, double weightDecay,
        DataParallel? threads)
        : base(groups, lr, beta1, beta2, eps, weightDecay)
    {
        this.threads = threads;
        foreach (var group in _parameter_groups)
            if (((Options)group.Options).amsgrad == true || ((Options)group.Options).maximize == true)
                throw new NotSupportedException("LDae.Training.AdamW implements AdamW without amsgrad and maximize");
    }

    /// <summary>One AdamW step for every parameter with a gradient.</summary>
    public override Tensor step(Func<Tensor>? closure = null)
    {
        if (closure is not null) throw new NotSupportedException("LDae.Training.AdamW.step takes no closure");
        var updates = _parameter_groups
            .SelectMany(group => group.Parameters.Select(p => (Parameter: p, Options: (Options)group.Options)))
            .ToArray();
        DataParallel.ForEachParameter(threads, updates.Select(u => (Tensor)u.Parameter).ToArray(),
            i => Update(updates[i].Parameter, updates[i].Options));
        return null!;   // AdamW.step returns the closure's loss, and there is no closure
    }

    /// <summary>
    /// <see cref="TorchSharp.Modules.AdamW.step"/> for one parameter, op for op (so bit for bit), with its temporaries disposed here:
    /// on a replica thread no step-wide dispose scope collects them.
    /// </summary>
    void Update(Parameter parameter, Options o)
    {
        using var noGrad = no_grad();   // grad mode is per thread: set it on the thread that runs the update
        using var grad = parameter.grad;
        if (grad is null) return;
        var state = (State)_state[parameter.Handle];
        state.step += 1;
        double lr = o.LearningRate!.Value, beta1 = o.beta1!.Value, beta2 = o.beta2!.Value, eps = o.eps!.Value;

        // Decoupled weight decay. AdamW multiplies by 1 when the group has none; x·1 = x exactly, so that is skipped.
        double decay = 1 - lr * o.weight_decay!.Value;
        if (decay != 1)
            using (Scalar s = decay) parameter.mul_(s);

        double biasCorrection1 = 1 - Math.Pow(beta1, state.step);
        double biasCorrection2 = 1 - Math.Pow(beta2, state.step);
        using (Scalar b1 = beta1, a1 = 1 - beta1) state.exp_avg.mul_(b1).add_(grad, alpha: a1);
        using (Scalar b2 = beta2, a2 = 1 - beta2) state.exp_avg_sq.mul_(b2).addcmul_(grad, grad, value: a2);

        using Scalar root = Math.Sqrt(biasCorrection2), epsilon = eps, stepSize = -(lr / biasCorrection1);
        using var denominator = state.exp_avg_sq.sqrt();
        denominator.div_(root).add_(epsilon);
        parameter.addcdiv_(state.exp_avg, denominator, value: stepSize);
    }
}
