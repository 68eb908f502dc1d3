// Pipeline: builds the stages from config and runs them.
namespace eveflow {}
