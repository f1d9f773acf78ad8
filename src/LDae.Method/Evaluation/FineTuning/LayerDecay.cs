using LDae.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LDae.Evaluation.FineTuning;

/// <summary>One AdamW group of fine-tuning: its parameters, their lr scale (layer-wise decay) and weight decay.</summary>
public sealed record LayerGroup(int Layer, double LrScale, double WeightDecay, IReadOnlyList<Parameter> Parameters);

/// <summary>
/// Layer-wise lr decay (BEiT's, as MAE fine-tunes): with B blocks, layer ℓ (0 = embeddings, i + 1 = block i, B + 1 =
/// final norm and head) learns at decay^(B + 1 − ℓ) of the schedule's lr, so the layers near the input, whose pretrained
/// features are the most general, move least. Weight decay applies to weight matrices only
/// (<see cref="WeightDecayGroups.Decays"/>): biases and norm scales do not decay.
/// </summary>
public static class LayerDecay
{
    /// <summary>decay^(blocks + 1 − layer).</summary>
    public static double Scale(int layer, int blocks, double decay)
    {
        if (layer < 0 || layer > blocks + 1) throw new ArgumentOutOfRangeException(nameof(layer), layer, $"layers are 0 … {blocks + 1}");
        return Math.Pow(decay, blocks + 1 - layer);
    }

    /// <summary>The classifier's parameters grouped by (layer, decays or not), in layer order.</summary>
    public static IReadOnlyList<LayerGroup> Groups(FineTuneClassifier model, double decay, double weightDecay)
    {
        var groups = new SortedDictionary<(int Layer, bool Decays), List<Parameter>>();
        foreach (var (name, p) in model.named_parameters())
        {
            var key = (model.LayerOf(name), WeightDecayGroups.Decays(name, p, []));
            if (!groups.TryGetValue(key, out var list)) groups[key] = list = [];
            list.Add(p);
        }
        return groups.Select(g => new LayerGroup(g.Key.Layer, Scale(g.Key.Layer, model.BlockCount, decay), g.Key.Decays ? weightDecay : 0, g.Value)).ToList();
    }
}
