// Command validate checks rendered Kubernetes manifests offline, without a cluster and without
// downloaded JSON schemas (docs/adr/0021): every document is decoded strictly into the typed
// objects of k8s.io/api (and the Prometheus Operator's types for ServiceMonitor and
// PrometheusRule), so an unknown or misspelt field, a wrong type, a bad quantity or an unknown
// apiVersion/kind fails. On top, a few rules the API server enforces that decoding does not:
// names, labels, a Deployment's selector matching its pod template, container port names,
// probes naming a declared port, environment variable names, HPA targets that exist.
//
//	helm template ... | validate            (reads stdin, or the files given as arguments)
package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
)

type problem struct{ where, what string }

func main() {
	scheme := runtime.NewScheme()
	must(clientgoscheme.AddToScheme(scheme))
	must(monitoringv1.AddToScheme(scheme))
	decoder := serializer.NewCodecFactory(scheme, serializer.EnableStrict).UniversalDeserializer()

	var inputs []io.Reader
	if len(os.Args) > 1 {
		for _, path := range os.Args[1:] {
			f, err := os.Open(path)
			must(err)
			defer f.Close()
			inputs = append(inputs, f)
		}
	} else {
		inputs = append(inputs, os.Stdin)
	}

	var objects []runtime.Object
	var problems []problem
	counts := map[string]int{}
	for _, in := range inputs {
		reader := utilyaml.NewYAMLReader(bufio.NewReader(in))
		for {
			doc, err := reader.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			must(err)
			if len(bytes.TrimSpace(stripComments(doc))) == 0 {
				continue
			}
			obj, gvk, err := decoder.Decode(doc, nil, nil)
			if err != nil {
				problems = append(problems, problem{firstLine(doc), err.Error()})
				continue
			}
			counts[gvk.Kind]++
			objects = append(objects, obj)
		}
	}
	for _, obj := range objects {
		problems = append(problems, check(obj, objects)...)
	}
	total := 0
	for _, n := range counts {
		total += n
	}
	for _, p := range problems {
		fmt.Printf("INVALID %s: %s\n", p.where, p.what)
	}
	fmt.Printf("validated %d objects %v: %d problems\n", total, counts, len(problems))
	if len(problems) > 0 || total == 0 {
		os.Exit(1)
	}
}

func check(obj runtime.Object, all []runtime.Object) []problem {
	accessor, err := metaOf(obj)
	if err != nil {
		return []problem{{"?", err.Error()}}
	}
	where := fmt.Sprintf("%T %s", obj, accessor.GetName())
	var out []problem
	add := func(format string, args ...any) { out = append(out, problem{where, fmt.Sprintf(format, args...)}) }
	for _, msg := range validation.IsDNS1123Subdomain(accessor.GetName()) {
		add("name: %s", msg)
	}
	out = append(out, checkLabels(where, accessor.GetLabels())...)
	switch o := obj.(type) {
	case *appsv1.Deployment:
		if o.Spec.Selector == nil {
			add("spec.selector is required")
			break
		}
		selector, err := metav1.LabelSelectorAsSelector(o.Spec.Selector)
		if err != nil || selector.Empty() || !selector.Matches(labels.Set(o.Spec.Template.Labels)) {
			add("spec.selector does not match spec.template.metadata.labels")
		}
		out = append(out, checkPod(where, &o.Spec.Template)...)
	case *batchv1.Job:
		out = append(out, checkPod(where, &o.Spec.Template)...)
		if p := o.Spec.Template.Spec.RestartPolicy; p != corev1.RestartPolicyNever && p != corev1.RestartPolicyOnFailure {
			add("a Job's restartPolicy must be Never or OnFailure")
		}
	case *corev1.Service:
		for _, p := range o.Spec.Ports {
			if p.Port < 1 || p.Port > 65535 {
				add("port %d out of range", p.Port)
			}
			if p.TargetPort.Type == intstr.String {
				for _, msg := range validation.IsValidPortName(p.TargetPort.StrVal) {
					add("targetPort %q: %s", p.TargetPort.StrVal, msg)
				}
			}
		}
	case *autoscalingv2.HorizontalPodAutoscaler:
		if o.Spec.MinReplicas != nil && *o.Spec.MinReplicas > o.Spec.MaxReplicas {
			add("minReplicas above maxReplicas")
		}
		if !exists(all, o.Spec.ScaleTargetRef.Kind, o.Spec.ScaleTargetRef.Name) {
			add("scaleTargetRef %s/%s is not in the rendered manifests", o.Spec.ScaleTargetRef.Kind, o.Spec.ScaleTargetRef.Name)
		}
	}
	return out
}

func checkPod(where string, t *corev1.PodTemplateSpec) []problem {
	var out []problem
	add := func(format string, args ...any) { out = append(out, problem{where, fmt.Sprintf(format, args...)}) }
	out = append(out, checkLabels(where+" pod template", t.Labels)...)
	if len(t.Spec.Containers) == 0 {
		add("no containers")
	}
	volumes := map[string]bool{}
	for _, v := range t.Spec.Volumes {
		volumes[v.Name] = true
	}
	containers := append(append([]corev1.Container{}, t.Spec.InitContainers...), t.Spec.Containers...)
	for _, c := range containers {
		for _, msg := range validation.IsDNS1123Label(c.Name) {
			add("container %q: %s", c.Name, msg)
		}
		if c.Image == "" {
			add("container %q has no image", c.Name)
		}
		ports := map[string]bool{}
		for _, p := range c.Ports {
			if p.Name != "" {
				for _, msg := range validation.IsValidPortName(p.Name) {
					add("container %q port %q: %s", c.Name, p.Name, msg)
				}
				ports[p.Name] = true
			}
		}
		for kind, probe := range map[string]*corev1.Probe{"liveness": c.LivenessProbe, "readiness": c.ReadinessProbe, "startup": c.StartupProbe} {
			if probe != nil && probe.HTTPGet != nil && probe.HTTPGet.Port.Type == intstr.String && !ports[probe.HTTPGet.Port.StrVal] {
				add("container %q %s probe names port %q, which it does not declare", c.Name, kind, probe.HTTPGet.Port.StrVal)
			}
		}
		for _, e := range c.Env {
			for _, msg := range validation.IsEnvVarName(e.Name) {
				add("container %q env %q: %s", c.Name, e.Name, msg)
			}
		}
		for _, m := range c.VolumeMounts {
			if !volumes[m.Name] {
				add("container %q mounts volume %q, which the pod does not declare", c.Name, m.Name)
			}
		}
	}
	return out
}

func checkLabels(where string, l map[string]string) []problem {
	var out []problem
	for k, v := range l {
		for _, msg := range validation.IsQualifiedName(k) {
			out = append(out, problem{where, fmt.Sprintf("label key %q: %s", k, msg)})
		}
		for _, msg := range validation.IsValidLabelValue(v) {
			out = append(out, problem{where, fmt.Sprintf("label %q value %q: %s", k, v, msg)})
		}
	}
	return out
}

func exists(all []runtime.Object, kind, name string) bool {
	for _, obj := range all {
		a, err := metaOf(obj)
		if err == nil && a.GetName() == name && strings.HasSuffix(fmt.Sprintf("%T", obj), "."+kind) {
			return true
		}
	}
	return false
}

func metaOf(obj runtime.Object) (metav1.Object, error) {
	a, ok := obj.(metav1.Object)
	if !ok {
		return nil, fmt.Errorf("%T has no object metadata", obj)
	}
	return a, nil
}

func stripComments(doc []byte) []byte {
	var b bytes.Buffer
	for _, line := range bytes.Split(doc, []byte("\n")) {
		if t := bytes.TrimSpace(line); len(t) > 0 && t[0] != '#' && !bytes.Equal(t, []byte("---")) {
			b.Write(line)
			b.WriteByte('\n')
		}
	}
	return b.Bytes()
}

func firstLine(doc []byte) string {
	for _, line := range strings.Split(string(doc), "\n") {
		if strings.HasPrefix(line, "# Source:") {
			return strings.TrimPrefix(line, "# ")
		}
	}
	return "document"
}

func must(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
}
