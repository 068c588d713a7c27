"""Model deployment names (azureml.core.webservice, azureml.core.model.InferenceConfig):
deploying a model as a web service is an Azure service that runnel does not stand in for.
The names import, so a notebook's training and pipeline cells run unchanged; using them
raises NotImplementedError that says so. ResourceConfiguration (a model's resource needs,
passed to Model.register) is kept as given."""

_WHY = ("%s: deploying models as web services (ACI, AKS, managed endpoints, local Docker) is an "
        "Azure ML service runnel does not provide; the model is registered (Model.register) and "
        "its files are under .runnel/models/ - serve it with your own tool")


class _Unavailable:
    _what = "deployment"

    def __init__(self, *args, **kwargs):
        raise NotImplementedError(_WHY % type(self).__name__)

    @classmethod
    def deploy_configuration(cls, *args, **kwargs):
        raise NotImplementedError(_WHY % (cls.__name__ + ".deploy_configuration"))

    @classmethod
    def deploy(cls, *args, **kwargs):
        raise NotImplementedError(_WHY % (cls.__name__ + ".deploy"))

    @classmethod
    def list(cls, *args, **kwargs):
        raise NotImplementedError(_WHY % (cls.__name__ + ".list"))


class Webservice(_Unavailable):
    pass


class AciWebservice(Webservice):
    pass


class AksWebservice(Webservice):
    pass


class LocalWebservice(Webservice):
    pass


class InferenceConfig(_Unavailable):
    pass


class ResourceConfiguration:
    """A model's resource needs (cpu, memory_in_gb, gpu), recorded as given."""

    def __init__(self, cpu=None, memory_in_gb=None, gpu=None):
        self.cpu, self.memory_in_gb, self.gpu = cpu, memory_in_gb, gpu

    def serialize(self):
        return {"cpu": self.cpu, "memoryInGB": self.memory_in_gb, "gpu": self.gpu}

    def __repr__(self):
        return "ResourceConfiguration(cpu=%r, memory_in_gb=%r, gpu=%r)" % (self.cpu, self.memory_in_gb, self.gpu)


def _model_deploy(*args, **kwargs):
    raise NotImplementedError(_WHY % "Model.deploy")
