// Command operator-types decodes Prometheus Operator objects (a JSON array on stdin) strictly
// into the operator's own API types (github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1):
// a field the operator does not know, or a value of the wrong type, is an error. It prints one
// JSON line per object: {"kind", "name", "error"} or {"kind", "name", "object"} (the object as
// the types hold it, marshalled again).
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
)

type result struct {
	Kind   string      `json:"kind"`
	Name   string      `json:"name"`
	Error  string      `json:"error,omitempty"`
	Object interface{} `json:"object,omitempty"`
}

func decode(raw json.RawMessage) result {
	var head struct {
		Kind     string `json:"kind"`
		Metadata struct {
			Name string `json:"name"`
		} `json:"metadata"`
	}
	if err := json.Unmarshal(raw, &head); err != nil {
		return result{Error: err.Error()}
	}
	var obj interface{}
	switch head.Kind {
	case "ServiceMonitor":
		obj = &monitoringv1.ServiceMonitor{}
	case "PodMonitor":
		obj = &monitoringv1.PodMonitor{}
	case "PrometheusRule":
		obj = &monitoringv1.PrometheusRule{}
	default:
		return result{Kind: head.Kind, Name: head.Metadata.Name, Error: "not a kind of monitoring.coreos.com/v1 this program knows"}
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(obj); err != nil {
		return result{Kind: head.Kind, Name: head.Metadata.Name, Error: err.Error()}
	}
	return result{Kind: head.Kind, Name: head.Metadata.Name, Object: obj}
}

func main() {
	in, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	var objects []json.RawMessage
	if err := json.Unmarshal(in, &objects); err != nil {
		fmt.Fprintln(os.Stderr, "stdin is not a JSON array:", err)
		os.Exit(2)
	}
	out := json.NewEncoder(os.Stdout)
	for _, raw := range objects {
		if err := out.Encode(decode(raw)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	}
}
