using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LDae.Training;

/// <summary>
/// Gradient-norm clipping, as <c>torch.nn.utils.clip_grad_norm_</c> (norm 2): the gradients are scaled by
/// min(1, max_norm / (‖g‖ + 1e-6)), where ‖g‖ is the norm of all gradients together. The per-parameter work (each
/// gradient's norm, the scaling) runs on the data-parallel replicas' threads; the ops are libtorch's own, in its
/// order, so the result is the same bits as <c>clip_grad_norm_</c> (tested).
/// </summary>
public static class GradientClipping
{
    /// <summary>Clips in place and returns the total norm before clipping (0 when no parameter has a gradient).</summary>
    public static double ClipGradNorm(IReadOnlyList<Parameter> parameters, double maxNorm, DataParallel? threads = null)
    {
        var withGrad = parameters.Where(HasGrad).ToArray();
        if (withGrad.Length == 0) return 0.0;
        var norms = new Tensor[withGrad.Length];
        try
        {
            DataParallel.ForEachParameter(threads, withGrad, i =>
            {
                using var grad = withGrad[i].grad!;
                norms[i] = grad.norm(2.0f).DetachFromDisposeScope();
            });
            using var scope = NewDisposeScope();
            var total = norms.Length == 1 ? norms[0] : stack(norms).norm(2.0f);
            // libtorch: max_norm / (total + 1e-6), the scalar-by-tensor division as a tensor filled with max_norm
            var coefficient = full_like(total, maxNorm).div_(total + 1e-6).clamp_max(1.0);
            DataParallel.ForEachParameter(threads, withGrad, i =>
            {
                using var grad = withGrad[i].grad!;
                grad.mul_(coefficient);
            });
            return total.item<float>();
        }
        finally
        {
            foreach (var n in norms) n?.Dispose();
        }
    }

    static bool HasGrad(Parameter p)
    {
        using var grad = p.grad;
        return grad is not null;
    }
}
