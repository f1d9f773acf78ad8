using static TorchSharp.torch;

namespace LDae.Kernels;

/// <summary>
/// The tensors a custom autograd function (<see cref="GeluTanh"/>, <see cref="SmallAttention"/>,
/// <see cref="AdaLnModulate"/>) keeps for its backward pass, and the handles that pass receives and returns, released
/// as soon as they are used — as libtorch's own nodes release theirs.
/// </summary>
/// <remarks>
/// <para>TorchSharp's custom functions keep what <c>ctx.save_for_backward</c> saved until the autograd graph is
/// destroyed, and hand the backward pass its incoming and returned gradients as handles on the caller's dispose
/// scope: in a training step all of them stayed alive to the end of the step, so at the end of the backward pass every
/// block's saved activations and gradients were held at once (at the <c>cpu</c> profile's shape ~1 GB more per replica
/// than progressive release; figures: docs/performance.md). Here the backward pass disposes the incoming gradient when
/// it is done, and the gradients it returned at this thread's next backward call (the engine takes its own reference
/// after the call returns). Disposing a handle only drops a reference, so this is safe whoever else holds the
/// storage.</para>
/// <para>The saved tensors themselves are released after their backward pass only inside
/// <see cref="Ops.DifferentiateOnce"/> (the training step): there the function keeps its own handles, detached from
/// any dispose scope, in the context's data and disposes them once used, so that node's graph can be differentiated
/// once — as libtorch's nodes without <c>retain_graph</c>. Elsewhere they go through <c>save_for_backward</c> and
/// live as long as the graph (a second backward pass with <c>retain_graph</c> works). Nothing is saved when no input
/// requires a gradient or grad mode is off (inference, feature extraction).</para>
/// </remarks>
internal sealed class SavedForBackward
{
    const string Key = "ldae.saved-for-one-backward";

    [ThreadStatic] static int differentiateOnce;
    [ThreadStatic] static List<Tensor>? returnedByLastBackward;

    readonly Tensor[] tensors;

    SavedForBackward(Tensor[] tensors) => this.tensors = tensors;

    /// <summary>Whether a call with these inputs builds a graph node (grad mode on and an input requires a gradient).
    /// Evaluate before <c>Function.apply</c>: TorchSharp runs the forward pass with grad mode off.</summary>
    public static bool Needed(params Tensor[] inputs) => is_grad_enabled() && inputs.Any(t => t.requires_grad);

    /// <summary>See <see cref="Ops.DifferentiateOnce"/>.</summary>
    public static IDisposable DifferentiateOnce() => new Scope();

    /// <summary>In the forward pass: saves <paramref name="saved"/> for the backward pass when <paramref name="needed"/>.</summary>
    public static void Keep(autograd.AutogradContext ctx, bool needed, params Tensor[] saved)
    {
        if (!needed) return;
        if (differentiateOnce > 0) ctx.save_data(Key, saved.Select(t => t.alias().DetachFromDisposeScope()).ToArray());
        else ctx.save_for_backward([.. saved]);
    }

    /// <summary>In the backward pass: the saved tensors; end the pass with <see cref="Release"/>.</summary>
    public static SavedForBackward Of(autograd.AutogradContext ctx)
    {
        if (ctx.get_data(Key) is Tensor[] own)
        {
            ctx.save_data(Key, null!);
            return new SavedForBackward(own);
        }
        return new SavedForBackward([.. ctx.get_saved_variables()]);
    }

    public Tensor this[int i] => tensors[i];

    /// <summary>
    /// Ends a backward pass: disposes the saved tensors' handles and the incoming gradient now, and the returned
    /// gradients at this thread's next backward call. Returns <paramref name="gradients"/>.
    /// </summary>
    public List<Tensor> Release(Tensor incoming, List<Tensor> gradients)
    {
        foreach (var t in tensors) t.Dispose();
        incoming.Dispose();
        var previous = returnedByLastBackward ??= [];
        foreach (var t in previous) t.Dispose();
        previous.Clear();
        previous.AddRange(gradients.Where(g => g is not null));
        return gradients;
    }

    sealed class Scope : IDisposable
    {
        bool disposed;

        public Scope() => differentiateOnce++;

        public void Dispose()
        {
            if (disposed) return;
            disposed = true;
            differentiateOnce--;
        }
    }
}
