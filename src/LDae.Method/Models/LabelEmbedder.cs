using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LDae.Models;

/// <summary>
/// DiT's class-label embedding with one extra "null" class (index = NumClasses) used for the unconditional
/// case: dropped labels in classifier-free training, and every label at probe time.
/// </summary>
public sealed class LabelEmbedder : nn.Module<Tensor, Tensor>
{
    readonly Embedding table;

    public LabelEmbedder(int numClasses, int width) : base(nameof(LabelEmbedder))
    {
        NumClasses = numClasses;
        table = nn.Embedding(numClasses + 1, width);
        RegisterComponents();
    }

    public int NumClasses { get; }

    /// <summary>Index of the null class.</summary>
    public int NullClass => NumClasses;

    public Parameter Weight => table.weight!;

    public override Tensor forward(Tensor labels) => table.forward(labels.to_type(ScalarType.Int64));

    /// <summary>
    /// Classifier-free training: replaces each label by the null class with probability <paramref name="probability"/>,
    /// drawing from <paramref name="generator"/> (DiT does this inside its embedder; here the caller owns the randomness).
    /// </summary>
    public static Tensor DropLabels(Tensor labels, double probability, int nullClass, Generator generator)
    {
        using var scope = NewDisposeScope();
        var drop = rand([labels.shape[0]], generator: generator, device: labels.device) < probability;
        return where(drop, full_like(labels, nullClass), labels).MoveToOuterDisposeScope();
    }
}
