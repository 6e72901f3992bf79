using Diffusion.Models;
using static TorchSharp.torch;
using static TorchSharp.torch.nn.functional;

namespace Diffusion.Training;

/// <summary>Cross-entropy on the digit labels, with small random shifts so the classifier also copes with generated digits.</summary>
public sealed class ClassificationObjective : ITrainingObjective<DigitClassifier>
{
    public string Name => "digit classification";

    public Tensor Loss(DigitClassifier model, Tensor images, Tensor labels, Generator generator)
    {
        var shift = randint(-2, 3, [2], dtype: ScalarType.Int64, generator: generator).data<long>().ToArray();
        var moved = images.roll([shift[0], shift[1]], [2, 3]);
        return cross_entropy(model.forward(moved), labels);
    }
}
