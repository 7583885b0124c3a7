//! ARM templates: the resources of a template (nested child resources and nested deployments
//! included), with the template expressions FlowVerify can evaluate offline evaluated:
//! `parameters()` (their `defaultValue`), `variables()`, `concat`, `format`, `resourceId` and a
//! few string functions. Anything else stays as written, and is reported if a rule needs it.

use serde_json::{Map, Value};

use super::json::{get, get_obj, get_str, is_arm_expression, kind_of, Ctx, Obj};
use crate::error::InputError;

/// How deep expressions, variables and nested templates may go.
const MAX_DEPTH: usize = 32;

/// One resource of a template, its type and name made full (`nsg/rule` for a nested child),
/// and its expressions evaluated where possible.
#[derive(Debug, Clone)]
pub(crate) struct Resource {
    /// Where it is in the document, e.g. `resources[2]`.
    pub path: String,
    /// The full type, e.g. `Microsoft.Network/networkSecurityGroups/securityRules`.
    pub rtype: String,
    /// The full name, e.g. `nsg-web/AllowHttps`.
    pub name: String,
    /// The resource with its expressions evaluated (child `resources` removed).
    pub value: Value,
}

impl Resource {
    /// Whether its type is `rtype` (any case).
    pub fn is(&self, rtype: &str) -> bool {
        self.rtype.eq_ignore_ascii_case(rtype)
    }

    /// The resource as an object.
    pub fn obj(&self) -> Option<&Obj> {
        self.value.as_object()
    }
}

/// Whether an object is an ARM deployment template.
pub(crate) fn is_template(obj: &Obj) -> bool {
    let schema = get_str(obj, "$schema").is_some_and(|s| {
        let s = s.to_ascii_lowercase();
        s.contains("deploymenttemplate") || s.contains("deploymentparameters")
    });
    let resources = get(obj, "resources").is_some_and(|r| r.is_array() || r.is_object());
    schema || (resources && (get(obj, "contentVersion").is_some() || get(obj, "$schema").is_some()))
}

/// Whether an object is an ARM resource (a `type` and an `apiVersion`).
pub(crate) fn is_resource(obj: &Obj) -> bool {
    get_str(obj, "type").is_some() && get(obj, "apiVersion").is_some()
}

/// The parameters and variables expressions are evaluated against.
#[derive(Debug, Clone, Copy, Default)]
struct Scope<'a> {
    /// The template's parameter definitions (`defaultValue`).
    params: Option<&'a Obj>,
    /// Values a nested deployment passes (`{name: {value}}`).
    supplied: Option<&'a Obj>,
    /// The template's variables.
    vars: Option<&'a Obj>,
}

/// The resources of a template (`resources` as an array, or as an object of symbolic names).
pub(crate) fn template_resources(ctx: &Ctx, template: &Obj) -> Result<Vec<Resource>, InputError> {
    let scope = Scope {
        params: get_obj(template, "parameters"),
        supplied: None,
        vars: get_obj(template, "variables"),
    };
    let mut out = Vec::new();
    walk_list(
        ctx,
        scope,
        "resources",
        get(template, "resources"),
        None,
        &mut out,
        0,
    )?;
    Ok(out)
}

/// Resources given without a template: one resource, or a list of them.
pub(crate) fn bare_resources(ctx: &Ctx, value: &Value) -> Result<Vec<Resource>, InputError> {
    let mut out = Vec::new();
    match value {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(
                    ctx,
                    Scope::default(),
                    format!("[{i}]"),
                    item,
                    None,
                    &mut out,
                    0,
                )?;
            }
        }
        other => walk(
            ctx,
            Scope::default(),
            String::new(),
            other,
            None,
            &mut out,
            0,
        )?,
    }
    Ok(out)
}

fn walk_list(
    ctx: &Ctx,
    scope: Scope,
    path: &str,
    list: Option<&Value>,
    parent: Option<(&str, &str)>,
    out: &mut Vec<Resource>,
    depth: usize,
) -> Result<(), InputError> {
    match list {
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                walk(ctx, scope, format!("{path}[{i}]"), item, parent, out, depth)?;
            }
        }
        // Bicep's symbolic-name templates (languageVersion 2.0) hold an object of resources.
        Some(Value::Object(items)) => {
            for (key, item) in items {
                walk(
                    ctx,
                    scope,
                    format!("{path}.{key}"),
                    item,
                    parent,
                    out,
                    depth,
                )?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn walk(
    ctx: &Ctx,
    scope: Scope,
    path: String,
    value: &Value,
    parent: Option<(&str, &str)>,
    out: &mut Vec<Resource>,
    depth: usize,
) -> Result<(), InputError> {
    if depth > MAX_DEPTH {
        return Err(ctx.err(path, "resources are nested too deeply"));
    }
    let Value::Object(obj) = value else {
        return Err(ctx.err(
            path,
            format!("expected a resource object, found {}", kind_of(value)),
        ));
    };
    let strict = Evaluator {
        scope,
        lenient: false,
    };
    let lenient = Evaluator {
        scope,
        lenient: true,
    };
    let Some(short_type) = get_str(obj, "type").map(|t| strict.text_or_self(t)) else {
        return Ok(()); // not something FlowVerify reads
    };
    let short_name = get(obj, "name")
        .and_then(Value::as_str)
        .map(|n| lenient.text_or_self(n))
        .unwrap_or_default();
    let (rtype, name) = match parent {
        Some((ptype, pname)) => (
            if short_type.contains('/') {
                short_type.clone()
            } else {
                format!("{ptype}/{short_type}")
            },
            if short_name.contains('/') {
                short_name.clone()
            } else {
                format!("{pname}/{short_name}")
            },
        ),
        None => (short_type.clone(), short_name.clone()),
    };

    if rtype.eq_ignore_ascii_case("Microsoft.Resources/deployments") {
        let props = get_obj(obj, "properties");
        let Some(template) = props.and_then(|p| get_obj(p, "template")) else {
            return Ok(()); // a linked template: not in the document
        };
        let inner = props
            .and_then(|p| get_obj(p, "expressionEvaluationOptions"))
            .and_then(|o| get_str(o, "scope"))
            .is_some_and(|s| s.eq_ignore_ascii_case("inner"));
        let template_path = format!("{path}.properties.template.resources");
        if inner {
            let supplied = props
                .and_then(|p| get(p, "parameters"))
                .map(|p| strict.resolve_tree(p, 0));
            let inner_scope = Scope {
                params: get_obj(template, "parameters"),
                supplied: supplied.as_ref().and_then(Value::as_object),
                vars: get_obj(template, "variables"),
            };
            return walk_list(
                ctx,
                inner_scope,
                &template_path,
                get(template, "resources"),
                None,
                out,
                depth + 1,
            );
        }
        return walk_list(
            ctx,
            scope,
            &template_path,
            get(template, "resources"),
            None,
            out,
            depth + 1,
        );
    }

    let mut resolved = Map::new();
    for (key, v) in obj {
        if key.eq_ignore_ascii_case("resources") {
            continue;
        }
        let v = if key.eq_ignore_ascii_case("name") {
            Value::String(short_name.clone())
        } else {
            strict.resolve_tree(v, 0)
        };
        resolved.insert(key.clone(), v);
    }
    out.push(Resource {
        path: path.clone(),
        rtype: rtype.clone(),
        name: name.clone(),
        value: Value::Object(resolved),
    });
    walk_list(
        ctx,
        scope,
        &format!("{path}.resources"),
        get(obj, "resources"),
        Some((&rtype, &name)),
        out,
        depth + 1,
    )
}

/// Evaluates an expression with no template around it (no parameters or variables).
pub(crate) fn evaluate_alone(text: &str) -> Result<Value, String> {
    Evaluator {
        scope: Scope::default(),
        lenient: false,
    }
    .eval_text(text, 0)
}

/// An expression of the template language.
#[derive(Debug, Clone, PartialEq)]
enum Expr {
    Str(String),
    Num(i64),
    Bool(bool),
    Null,
    Call(String, Vec<Expr>),
    Prop(Box<Expr>, String),
    Index(Box<Expr>, Box<Expr>),
}

struct Parser<'t> {
    chars: Vec<char>,
    pos: usize,
    depth: usize,
    _text: &'t str,
}

impl<'t> Parser<'t> {
    fn new(text: &'t str) -> Parser<'t> {
        Parser {
            chars: text.chars().collect(),
            pos: 0,
            depth: 0,
            _text: text,
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn expect(&mut self, c: char) -> Result<(), String> {
        self.skip_ws();
        if self.peek() == Some(c) {
            self.pos += 1;
            Ok(())
        } else {
            Err(format!("expected '{c}' in the expression"))
        }
    }

    fn parse_all(mut self) -> Result<Expr, String> {
        let e = self.expr()?;
        self.skip_ws();
        if self.pos != self.chars.len() {
            return Err("unexpected text after the expression".into());
        }
        Ok(e)
    }

    fn expr(&mut self) -> Result<Expr, String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err("the expression is nested too deeply".into());
        }
        self.skip_ws();
        let mut e = match self.peek() {
            Some('\'') => self.string()?,
            Some(c) if c.is_ascii_digit() || c == '-' => self.number()?,
            Some(c) if c.is_alphabetic() || c == '_' => {
                let name = self.ident();
                self.skip_ws();
                if self.peek() == Some('(') {
                    self.pos += 1;
                    let mut args = Vec::new();
                    self.skip_ws();
                    if self.peek() == Some(')') {
                        self.pos += 1;
                    } else {
                        loop {
                            args.push(self.expr()?);
                            self.skip_ws();
                            match self.peek() {
                                Some(',') => self.pos += 1,
                                Some(')') => {
                                    self.pos += 1;
                                    break;
                                }
                                _ => return Err("expected ',' or ')' in the expression".into()),
                            }
                        }
                    }
                    Expr::Call(name, args)
                } else {
                    match name.to_ascii_lowercase().as_str() {
                        "true" => Expr::Bool(true),
                        "false" => Expr::Bool(false),
                        "null" => Expr::Null,
                        _ => return Err(format!("unknown name '{name}' in the expression")),
                    }
                }
            }
            _ => return Err("expected a value in the expression".into()),
        };
        loop {
            self.skip_ws();
            match self.peek() {
                Some('.') => {
                    self.pos += 1;
                    self.skip_ws();
                    let prop = self.ident();
                    if prop.is_empty() {
                        return Err("expected a property name after '.'".into());
                    }
                    e = Expr::Prop(Box::new(e), prop);
                }
                Some('[') => {
                    self.pos += 1;
                    let index = self.expr()?;
                    self.expect(']')?;
                    e = Expr::Index(Box::new(e), Box::new(index));
                }
                _ => break,
            }
        }
        self.depth -= 1;
        Ok(e)
    }

    fn ident(&mut self) -> String {
        let start = self.pos;
        while self
            .peek()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '$')
        {
            self.pos += 1;
        }
        self.chars[start..self.pos].iter().collect()
    }

    fn string(&mut self) -> Result<Expr, String> {
        self.pos += 1; // opening quote
        let mut s = String::new();
        loop {
            match self.peek() {
                None => return Err("unterminated string in the expression".into()),
                Some('\'') => {
                    self.pos += 1;
                    if self.peek() == Some('\'') {
                        s.push('\'');
                        self.pos += 1;
                    } else {
                        return Ok(Expr::Str(s));
                    }
                }
                Some(c) => {
                    s.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    fn number(&mut self) -> Result<Expr, String> {
        let start = self.pos;
        if self.peek() == Some('-') {
            self.pos += 1;
        }
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        let text: String = self.chars[start..self.pos].iter().collect();
        text.parse::<i64>()
            .map(Expr::Num)
            .map_err(|_| format!("'{text}' is not a number"))
    }
}

#[derive(Clone, Copy)]
struct Evaluator<'a> {
    scope: Scope<'a>,
    /// Parameters without a value become `<name>` instead of failing (for names).
    lenient: bool,
}

fn text_of(v: &Value) -> Result<String, String> {
    match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        other => Err(format!("expected a string, found {}", kind_of(other))),
    }
}

impl<'a> Evaluator<'a> {
    /// A string's value when it is an expression that evaluates to a string; else the string
    /// itself (with `[[` unescaped).
    fn text_or_self(&self, text: &str) -> String {
        match self.eval_text(text, 0) {
            Ok(Value::String(s)) => s,
            Ok(Value::Number(n)) => n.to_string(),
            _ => text.to_string(),
        }
    }

    /// Evaluates a string: an expression, or a literal.
    fn eval_text(&self, text: &str, depth: usize) -> Result<Value, String> {
        let t = text.trim();
        if t.starts_with("[[") {
            return Ok(Value::String(t[1..].to_string()));
        }
        if !is_arm_expression(t) {
            return Ok(Value::String(text.to_string()));
        }
        if depth > MAX_DEPTH {
            return Err("expressions refer to each other too deeply".into());
        }
        let inner = &t[1..t.len() - 1];
        let expr = Parser::new(inner).parse_all()?;
        self.eval(&expr, depth + 1)
    }

    /// A value with every expression inside it evaluated (those that cannot be stay as written).
    fn resolve_tree(&self, value: &Value, depth: usize) -> Value {
        if depth > MAX_DEPTH * 4 {
            return value.clone();
        }
        match value {
            Value::String(s) => self.eval_text(s, 0).unwrap_or_else(|_| value.clone()),
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|v| self.resolve_tree(v, depth + 1))
                    .collect(),
            ),
            Value::Object(o) => Value::Object(
                o.iter()
                    .map(|(k, v)| (k.clone(), self.resolve_tree(v, depth + 1)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    /// A value from parameters or variables, its own expressions evaluated.
    fn resolve_strict(&self, value: &Value, depth: usize) -> Result<Value, String> {
        if depth > MAX_DEPTH {
            return Err("expressions refer to each other too deeply".into());
        }
        match value {
            Value::String(s) => self.eval_text(s, depth + 1),
            Value::Array(items) => items
                .iter()
                .map(|v| self.resolve_strict(v, depth + 1))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array),
            Value::Object(o) => {
                let mut out = Map::new();
                for (k, v) in o {
                    out.insert(k.clone(), self.resolve_strict(v, depth + 1)?);
                }
                Ok(Value::Object(out))
            }
            other => Ok(other.clone()),
        }
    }

    fn eval(&self, expr: &Expr, depth: usize) -> Result<Value, String> {
        if depth > MAX_DEPTH {
            return Err("the expression is nested too deeply".into());
        }
        match expr {
            Expr::Str(s) => Ok(Value::String(s.clone())),
            Expr::Num(n) => Ok(Value::from(*n)),
            Expr::Bool(b) => Ok(Value::Bool(*b)),
            Expr::Null => Ok(Value::Null),
            Expr::Prop(base, prop) => {
                let base = self.eval(base, depth + 1)?;
                match &base {
                    Value::Object(o) => get(o, prop)
                        .cloned()
                        .ok_or_else(|| format!("no property '{prop}'")),
                    other => Err(format!("cannot take '.{prop}' of {}", kind_of(other))),
                }
            }
            Expr::Index(base, index) => {
                let base = self.eval(base, depth + 1)?;
                let index = self.eval(index, depth + 1)?;
                match (&base, &index) {
                    (Value::Array(items), Value::Number(n)) => n
                        .as_u64()
                        .and_then(|i| usize::try_from(i).ok())
                        .and_then(|i| items.get(i))
                        .cloned()
                        .ok_or_else(|| format!("index {n} is out of range")),
                    (Value::Object(o), Value::String(k)) => get(o, k)
                        .cloned()
                        .ok_or_else(|| format!("no property '{k}'")),
                    _ => Err("cannot index this value".into()),
                }
            }
            Expr::Call(name, args) => self.call(name, args, depth),
        }
    }

    fn call(&self, name: &str, args: &[Expr], depth: usize) -> Result<Value, String> {
        let lower = name.to_ascii_lowercase();
        let values = || -> Result<Vec<Value>, String> {
            args.iter().map(|a| self.eval(a, depth + 1)).collect()
        };
        match lower.as_str() {
            "parameters" => {
                let key = self.single_text(args, depth, name)?;
                if let Some(v) = self
                    .scope
                    .supplied
                    .and_then(|s| get(s, &key))
                    .and_then(Value::as_object)
                    .and_then(|p| get(p, "value"))
                {
                    return Ok(v.clone());
                }
                match self
                    .scope
                    .params
                    .and_then(|p| get(p, &key))
                    .and_then(Value::as_object)
                    .and_then(|p| get(p, "defaultValue"))
                {
                    Some(v) => self.resolve_strict(v, depth + 1),
                    None if self.lenient => Ok(Value::String(format!("<{key}>"))),
                    None => Err(format!("parameter '{key}' has no defaultValue")),
                }
            }
            "variables" => {
                let key = self.single_text(args, depth, name)?;
                match self.scope.vars.and_then(|v| get(v, &key)) {
                    Some(v) => self.resolve_strict(v, depth + 1),
                    None => Err(format!("variable '{key}' is not defined")),
                }
            }
            "concat" => {
                let vals = values()?;
                if !vals.is_empty() && vals.iter().all(Value::is_array) {
                    let mut out = Vec::new();
                    for v in vals {
                        if let Value::Array(items) = v {
                            out.extend(items);
                        }
                    }
                    return Ok(Value::Array(out));
                }
                let mut s = String::new();
                for v in &vals {
                    s.push_str(&text_of(v)?);
                }
                Ok(Value::String(s))
            }
            "format" => {
                let vals = values()?;
                let (fmt, rest) = vals.split_first().ok_or("format needs arguments")?;
                format_text(&text_of(fmt)?, rest).map(Value::String)
            }
            "resourceid"
            | "subscriptionresourceid"
            | "tenantresourceid"
            | "extensionresourceid" => {
                let texts = values()?
                    .iter()
                    .map(text_of)
                    .collect::<Result<Vec<_>, _>>()?;
                resource_id(&texts).map(Value::String)
            }
            "tolower" => Ok(Value::String(
                self.single_text(args, depth, name)?.to_lowercase(),
            )),
            "toupper" => Ok(Value::String(
                self.single_text(args, depth, name)?.to_uppercase(),
            )),
            "trim" => Ok(Value::String(
                self.single_text(args, depth, name)?.trim().to_string(),
            )),
            "string" => {
                let vals = values()?;
                match vals.as_slice() {
                    [Value::String(s)] => Ok(Value::String(s.clone())),
                    [v] => Ok(Value::String(v.to_string())),
                    _ => Err("string takes one argument".into()),
                }
            }
            "int" => {
                let vals = values()?;
                match vals.as_slice() {
                    [Value::Number(n)] => Ok(Value::Number(n.clone())),
                    [Value::String(s)] => s
                        .trim()
                        .parse::<i64>()
                        .map(Value::from)
                        .map_err(|_| format!("'{s}' is not an integer")),
                    _ => Err("int takes one number or string".into()),
                }
            }
            "split" => {
                let vals = values()?;
                match vals.as_slice() {
                    [Value::String(s), Value::String(d)] if !d.is_empty() => Ok(Value::Array(
                        s.split(d.as_str())
                            .map(|p| Value::String(p.to_string()))
                            .collect(),
                    )),
                    _ => Err("split takes a string and a delimiter".into()),
                }
            }
            "last" | "first" => {
                let vals = values()?;
                let pick_last = lower == "last";
                match vals.as_slice() {
                    [Value::Array(items)] => {
                        let item = if pick_last {
                            items.last()
                        } else {
                            items.first()
                        };
                        Ok(item.cloned().unwrap_or(Value::Null))
                    }
                    [Value::String(s)] => {
                        let c = if pick_last {
                            s.chars().last()
                        } else {
                            s.chars().next()
                        };
                        Ok(Value::String(c.map(String::from).unwrap_or_default()))
                    }
                    _ => Err(format!("{name} takes a list or a string")),
                }
            }
            "replace" => {
                let vals = values()?;
                match vals.as_slice() {
                    [Value::String(s), Value::String(a), Value::String(b)] if !a.is_empty() => {
                        Ok(Value::String(s.replace(a.as_str(), b)))
                    }
                    _ => Err("replace takes three strings".into()),
                }
            }
            _ => Err(format!("the function '{name}' cannot be evaluated offline")),
        }
    }

    fn single_text(&self, args: &[Expr], depth: usize, name: &str) -> Result<String, String> {
        match args {
            [arg] => text_of(&self.eval(arg, depth + 1)?),
            _ => Err(format!("{name} takes one argument")),
        }
    }
}

/// `format('{0}/{1}', a, b)`.
fn format_text(fmt: &str, args: &[Value]) -> Result<String, String> {
    let mut out = String::new();
    let mut chars = fmt.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '{' if chars.peek() == Some(&'{') => {
                chars.next();
                out.push('{');
            }
            '}' if chars.peek() == Some(&'}') => {
                chars.next();
                out.push('}');
            }
            '{' => {
                let mut spec = String::new();
                for d in chars.by_ref() {
                    if d == '}' {
                        break;
                    }
                    spec.push(d);
                }
                let index = spec.split(':').next().unwrap_or("").trim();
                let i: usize = index
                    .parse()
                    .map_err(|_| format!("'{{{spec}}}' is not a format placeholder"))?;
                let arg = args
                    .get(i)
                    .ok_or_else(|| format!("format has no argument {i}"))?;
                out.push_str(&text_of(arg)?);
            }
            other => out.push(other),
        }
    }
    Ok(out)
}

/// `resourceId([subscriptionId], [resourceGroup], type, name1, name2...)` as an id.
fn resource_id(args: &[String]) -> Result<String, String> {
    let type_at = args
        .iter()
        .position(|a| {
            a.split_once('/')
                .is_some_and(|(ns, _)| ns.contains('.') && !ns.is_empty())
        })
        .ok_or("resourceId needs a resource type")?;
    let (before, after) = args.split_at(type_at);
    let (rtype, names) = after
        .split_first()
        .ok_or("resourceId needs a resource type")?;
    let mut segments = rtype.split('/');
    let namespace = segments.next().unwrap_or_default();
    let mut id = match before {
        [] => String::new(),
        [scope] if scope.starts_with('/') => scope.trim_end_matches('/').to_string(),
        [rg] => format!("/resourceGroups/{rg}"),
        [sub, rg, ..] => format!("/subscriptions/{sub}/resourceGroups/{rg}"),
    };
    id.push_str(&format!("/providers/{namespace}"));
    let mut names = names.iter();
    for t in segments {
        id.push('/');
        id.push_str(t);
        if let Some(n) = names.next() {
            id.push('/');
            id.push_str(n);
        }
    }
    for n in names {
        id.push('/');
        id.push_str(n);
    }
    Ok(id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ctx() -> Ctx<'static> {
        Ctx::new("t.json")
    }

    fn eval_in(template: &Value, text: &str) -> Result<Value, String> {
        let o = template.as_object().cloned().unwrap_or_default();
        Evaluator {
            scope: Scope {
                params: get_obj(&o, "parameters"),
                supplied: None,
                vars: get_obj(&o, "variables"),
            },
            lenient: false,
        }
        .eval_text(text, 0)
    }

    #[test]
    fn expressions() {
        let t = json!({
            "parameters": {"nsgName": {"type": "string", "defaultValue": "nsg-web"},
                           "prio": {"type": "int", "defaultValue": 200},
                           "noDefault": {"type": "string"}},
            "variables": {"prefix": "[concat('10.', '0.0.0/16')]", "obj": {"ports": ["80", "443"]}}
        });
        assert_eq!(eval_in(&t, "[parameters('nsgName')]"), Ok(json!("nsg-web")));
        assert_eq!(eval_in(&t, "[parameters('prio')]"), Ok(json!(200)));
        assert_eq!(
            eval_in(&t, "[variables('prefix')]"),
            Ok(json!("10.0.0.0/16"))
        );
        assert_eq!(eval_in(&t, "[variables('obj').ports[1]]"), Ok(json!("443")));
        assert_eq!(
            eval_in(&t, "[format('{0}/{1}', parameters('nsgName'), 'AllowWeb')]"),
            Ok(json!("nsg-web/AllowWeb"))
        );
        assert_eq!(
            eval_in(&t, "[concat(parameters('nsgName'), '/r''1')]"),
            Ok(json!("nsg-web/r'1"))
        );
        assert_eq!(
            eval_in(
                &t,
                "[resourceId('Microsoft.Network/applicationSecurityGroups', 'asg-web')]"
            ),
            Ok(json!(
                "/providers/Microsoft.Network/applicationSecurityGroups/asg-web"
            ))
        );
        assert_eq!(
            eval_in(&t, "[resourceId('rg', 'Microsoft.Network/networkSecurityGroups/securityRules', 'n', 'r')]"),
            Ok(json!("/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/n/securityRules/r"))
        );
        assert_eq!(eval_in(&t, "[toLower('ABC')]"), Ok(json!("abc")));
        assert_eq!(eval_in(&t, "[last(split('a/b/c', '/'))]"), Ok(json!("c")));
        assert_eq!(eval_in(&t, "plain"), Ok(json!("plain")));
        assert_eq!(eval_in(&t, "[[escaped]"), Ok(json!("[escaped]")));
        assert!(eval_in(&t, "[parameters('noDefault')]").is_err());
        assert!(eval_in(&t, "[resourceGroup().location]").is_err());
        assert!(eval_in(&t, "[concat('a']").is_err());
        assert_eq!(eval_in(&t, "[concat('a'"), Ok(json!("[concat('a'")));
        let deep = format!("[{}'x'{}]", "concat(".repeat(100), ")".repeat(100));
        assert!(eval_in(&t, &deep).is_err());
    }

    #[test]
    fn flattens_children_and_nested_deployments() {
        let template = json!({
            "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
            "contentVersion": "1.0.0.0",
            "parameters": {"name": {"type": "string"}},
            "resources": [
                {"type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2024-05-01",
                 "name": "[parameters('name')]",
                 "resources": [{"type": "securityRules", "apiVersion": "2024-05-01", "name": "r1",
                                "properties": {"priority": "[add(1, 2)]"}}]},
                {"type": "Microsoft.Resources/deployments", "apiVersion": "2022-09-01", "name": "inner",
                 "properties": {"expressionEvaluationOptions": {"scope": "inner"},
                   "parameters": {"n": {"value": "nsg-inner"}},
                   "template": {"parameters": {"n": {"type": "string"}},
                     "resources": [{"type": "Microsoft.Network/networkSecurityGroups", "apiVersion": "2024-05-01",
                                    "name": "[parameters('n')]"}]}}}
            ]
        });
        assert!(is_template(template.as_object().unwrap()));
        let rs = template_resources(&ctx(), template.as_object().unwrap()).unwrap();
        let names: Vec<(&str, &str)> = rs
            .iter()
            .map(|r| (r.rtype.as_str(), r.name.as_str()))
            .collect();
        assert_eq!(
            names,
            vec![
                ("Microsoft.Network/networkSecurityGroups", "<name>"),
                (
                    "Microsoft.Network/networkSecurityGroups/securityRules",
                    "<name>/r1"
                ),
                ("Microsoft.Network/networkSecurityGroups", "nsg-inner"),
            ]
        );
        assert_eq!(rs[1].path, "resources[0].resources[0]");
        // An expression that cannot be evaluated stays as written.
        assert_eq!(rs[1].value["properties"]["priority"], json!("[add(1, 2)]"));
    }
}
