export default 'an ES module';
